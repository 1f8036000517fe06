import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { PROCESSOR_WEBHOOK_PATH } from '../../src/modules/billing/index.js';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Attacks on the dispute playbook: a developer reads the evidence pack or submits evidence; a captured
// `charge.dispute.created` is replayed to open a second dispute (a second freeze, hold, pack); evidence is submitted
// twice; another org's owner reads the dispute; a retention prune that forgets the hold deletes held usage.
describe(`dispute playbook attacks (${backendName})`, () => {
  let kit: BillingKit;
  let org: OrgId;
  let disputeId: string;

  async function state() {
    const q = async (text: string) => (await kit.testDb.superuser(text, [org]))[0]?.n as number;
    return {
      disputes: await q('SELECT count(*)::int AS n FROM billing_disputes WHERE org_id = $1'),
      holds: await q('SELECT count(*)::int AS n FROM audit_legal_holds WHERE org_id = $1'),
      audit: await q('SELECT count(*)::int AS n FROM audit_events WHERE org_id = $1'),
      frozen: await q('SELECT count(*)::int AS n FROM billing_disputes WHERE org_id = $1 AND freeze_active'),
    };
  }

  beforeAll(async () => {
    kit = await startBillingKit();
    org = kit.ctx.a.orgId as OrgId;
    const card = await kit.addCard('pm_card_createDispute');
    expect((await kit.pay(card, 'disputed-order')).statusCode).toBe(201);
    await kit.delivered();
    const list = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `/v1/orgs/${org}/billing/disputes`);
    disputeId = list.json().data[0].id as string;
  }, 120_000);
  afterAll(async () => kit.close());

  it('a developer key cannot list or read the dispute and its pack, stage, submit or lift the freeze', async () => {
    const developer = (await kit.mintKey('developer', ['read:org', 'read:usage'])).json().secret as string;
    const url = `/v1/orgs/${org}/billing/disputes`;
    expect((await kit.ctx.call(developer, 'GET', url)).statusCode).toBe(403);
    expect((await kit.ctx.call(developer, 'GET', `${url}/${disputeId}`)).statusCode).toBe(403);
    const staged = await kit.ctx.call(developer, 'POST', `${url}/${disputeId}/evidence`, { uncategorized_text: 'x' });
    expect(staged.statusCode).toBe(403);
    expect((await kit.ctx.call(developer, 'POST', `${url}/${disputeId}/submit`)).statusCode).toBe(403);
    const lift = await kit.ctx.call(developer, 'POST', `${url}/${disputeId}/lift-freeze`, { reason: 'debt_settled' });
    expect(lift.statusCode).toBe(403);
    // Finance may read it (read:billing) but a finance key scoped to reading only cannot submit.
    const reader = (await kit.mintKey('finance', ['read:billing'])).json().secret as string;
    expect((await kit.ctx.call(reader, 'GET', `${url}/${disputeId}`)).statusCode).toBe(200);
    expect((await kit.ctx.call(reader, 'POST', `${url}/${disputeId}/submit`)).statusCode).toBe(403);
  });

  it('a replayed dispute webhook changes nothing (no second dispute, freeze, hold or pack)', async () => {
    const delivery = kit.sandbox.webhooks.attempts.find((a) => a.type === 'charge.dispute.created' && a.status === 200);
    if (!delivery) throw new Error('no charge.dispute.created delivery captured');
    const before = await state();
    expect(before).toMatchObject({ disputes: 1, holds: 1, frozen: 1 });
    const res = await kit.app.inject({
      method: 'POST',
      url: PROCESSOR_WEBHOOK_PATH,
      headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
      payload: delivery.payload,
    });
    expect([res.statusCode, res.json().duplicate]).toEqual([200, true]);
    expect(await state()).toEqual(before);
  });

  it("another org's owner gets 404 for the dispute, through its own org's path and through this org's", async () => {
    const other = kit.ctx.b;
    const own = await kit.ctx.call(other.ownerKey, 'GET', `/v1/orgs/${other.orgId}/billing/disputes/${disputeId}`);
    expect([own.statusCode, own.json().code]).toEqual([404, 'billing.dispute_not_found']);
    const submit = await kit.ctx.call(
      other.ownerKey,
      'POST',
      `/v1/orgs/${other.orgId}/billing/disputes/${disputeId}/submit`,
    );
    expect(submit.statusCode).toBe(404);
    const theirs = await kit.ctx.call(other.ownerKey, 'GET', `/v1/orgs/${org}/billing/disputes/${disputeId}`);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.body).not.toContain('evidence_pack');
  });

  it('submitting twice is 409 and reaches the issuer once', async () => {
    const url = `/v1/orgs/${org}/billing/disputes/${disputeId}`;
    const early = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `${url}/submit`);
    expect([early.statusCode, early.json().code]).toEqual([409, 'billing.dispute_evidence_not_staged']);
    // Text that neither wins nor loses at the sandbox: the dispute stays under review after the submit.
    await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `${url}/evidence`, { uncategorized_text: 'see the activity log' });
    const [first, second] = await Promise.all([
      kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `${url}/submit`),
      kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `${url}/submit`),
    ]);
    expect([first?.statusCode, second?.statusCode].sort()).toEqual([200, 409]);
    const third = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `${url}/submit`);
    expect([third.statusCode, third.json().code]).toEqual([409, 'billing.dispute_already_submitted']);
    const restage = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `${url}/evidence`, { uncategorized_text: 'more' });
    expect(restage.json().code).toBe('billing.dispute_already_submitted');
    await kit.delivered();
    const updates = kit.sandbox.webhooks.attempts.filter((a) => a.type === 'charge.dispute.updated');
    const submissions = updates.map(
      (a) =>
        (JSON.parse(a.payload) as { data: { object: { evidence_details: { submission_count: number } } } }).data.object
          .evidence_details.submission_count,
    );
    expect(Math.max(...submissions)).toBe(1);
  });

  it('a prune that forgets the hold still deletes no held usage row (the database refuses it)', async () => {
    const [hold] = await kit.testDb.superuser('SELECT held_from, held_to FROM audit_legal_holds WHERE org_id = $1', [
      org,
    ]);
    const inside = new Date(hold?.held_from as string);
    await kit.testDb.superuser(
      `INSERT INTO gateway_usage (org_id, request_id, principal_id, model, state, input_micros_per_mtok, output_micros_per_mtok, reserved_tokens, reserved_micros, created_at)
       VALUES ($1, 'req_held_row', 'key_x', 'm', 'settled', 0, 0, 0, 0, $2)`,
      [org, inside],
    );
    const deleted = await kit.runtime.db.withTenant(org, (sql) =>
      sql.query("DELETE FROM gateway_usage WHERE org_id = $1 AND request_id = 'req_held_row'", [org]),
    );
    expect(deleted.rowCount).toBe(0);
    const [row] = await kit.testDb.superuser(
      "SELECT count(*)::int AS n FROM gateway_usage WHERE request_id = 'req_held_row'",
    );
    expect(row?.n).toBe(1);
  });
});
