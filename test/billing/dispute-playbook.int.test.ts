import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { paidEntitlementsFrozen } from '../../src/modules/billing/index.js';
import { pruneUsageRecords } from '../../src/modules/gateway/index.js';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// The dispute playbook end to end, with the real stripe SDK against the sandbox processor: a charge with Stripe's
// `pm_card_createDispute` is disputed, the processor's webhook freezes paid entitlements, puts the period on legal
// hold and assembles the evidence pack; the operator stages and submits; the processor's close decides the freeze.
describe(`the dispute playbook (${backendName})`, () => {
  let kit: BillingKit;
  let org: OrgId;
  let base: string;

  const call = (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>) =>
    kit.ctx.call(kit.ctx.a.ownerKey, method, `${base}${path}`, body);
  const frozen = () => kit.runtime.db.withTenant(org, (sql) => paidEntitlementsFrozen(sql));
  const actions = async () =>
    (
      await kit.testDb.superuser(
        "SELECT action, reason_codes FROM audit_events WHERE org_id = $1 AND (action LIKE 'billing.dispute.%' OR action LIKE 'billing.entitlements.%' OR action LIKE 'audit.legal_hold.%') ORDER BY seq",
        [org],
      )
    ).map((r) => r.action as string);

  async function disputedCharge(key: string): Promise<{ paymentId: string; disputeId: string }> {
    const card = await kit.addCard('pm_card_createDispute');
    const res = await kit.pay(card, key);
    expect(res.statusCode).toBe(201);
    await kit.delivered();
    const list = await call('GET', '/disputes');
    const dispute = (list.json().data as { id: string; payment_id: string }[]).find(
      (d) => d.payment_id === res.json().id,
    );
    if (!dispute) throw new Error(`no dispute recorded for ${res.json().id as string}`);
    return { paymentId: res.json().id as string, disputeId: dispute.id };
  }

  beforeAll(async () => {
    kit = await startBillingKit();
    org = kit.ctx.a.orgId as OrgId;
    base = `/v1/orgs/${org}/billing`;
  }, 120_000);
  afterAll(async () => kit.close());

  it('freezes, holds and packs on the dispute; stage, submit with winning evidence, and the won close lifts the freeze', async () => {
    expect(await frozen()).toBe(false);
    const trial = await call('POST', '/subscription/trial', { plan: 'pro', token: 'pm_card_visa' });
    expect(trial.statusCode, trial.body).toBe(201);
    const plan = async () => (await call('GET', '/entitlements')).json().entitlements.plan as string;
    expect(await plan()).toBe('pro');
    const { paymentId, disputeId } = await disputedCharge('order-disputed-won');
    expect(await frozen()).toBe(true);
    // The freeze reaches what the gateway enforces: the trial's Pro entitlements drop to Free while it holds.
    expect(await plan()).toBe('free');

    const shown = await call('GET', `/disputes/${disputeId}`);
    expect(shown.statusCode).toBe(200);
    const dispute = shown.json();
    expect(dispute).toMatchObject({
      payment_id: paymentId,
      status: 'open',
      reason: 'fraudulent',
      amount: 2_000,
      evidence_state: 'none',
      entitlements_frozen: true,
    });
    const pack = dispute.evidence_pack;
    expect(pack.payment.id).toBe(paymentId);
    expect(pack.access_activity_log.events).toBeGreaterThan(0);
    expect(pack.access_activity_log.by_action['billing.payment.succeeded']).toBe(1);
    expect(pack.access_activity_log.audit_chain.last_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(pack.service_documentation).toMatch(/\/openapi\.json$/);
    expect(pack.terms_acceptance).toBeNull();
    // SECURITY: ids and counts only: no e-mail address, IP address, user agent or key secret in the pack.
    const text = JSON.stringify({ ...pack, service_documentation: null });
    expect(text).not.toContain('@');
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain(kit.ctx.a.ownerKey);

    const [hold] = await kit.testDb.superuser(
      'SELECT held_from, held_to, reason FROM audit_legal_holds WHERE org_id = $1 AND source_id = $2',
      [org, disputeId],
    );
    expect(hold?.reason).toBe('billing.dispute_opened');
    expect(new Date(hold?.held_from as string).toISOString()).toBe(dispute.period.from);

    const staged = await call('POST', `/disputes/${disputeId}/evidence`, {
      product_description: 'AI gateway subscription',
      uncategorized_text: 'winning_evidence',
    });
    expect(staged.statusCode).toBe(200);
    expect(staged.json().evidence_state).toBe('staged');
    expect(Object.keys(staged.json().staged_evidence).sort()).toEqual([
      'access_activity_log',
      'product_description',
      'service_date',
      'service_documentation',
      'uncategorized_text',
    ]);
    expect(await frozen()).toBe(true);

    const submitted = await call('POST', `/disputes/${disputeId}/submit`);
    expect([submitted.statusCode, submitted.json().evidence_state]).toEqual([200, 'submitted']);
    await kit.delivered();
    const closed = (await call('GET', `/disputes/${disputeId}`)).json();
    expect(closed).toMatchObject({ status: 'won', entitlements_frozen: false });
    expect(await frozen()).toBe(false);
    expect(await plan()).toBe('pro');
    expect(await actions()).toEqual([
      'billing.dispute.opened',
      'billing.entitlements.frozen',
      'audit.legal_hold.placed',
      'billing.dispute.evidence_staged',
      'billing.dispute.submitted',
      'billing.dispute.closed',
      'billing.entitlements.restored',
    ]);
  });

  it('keeps the freeze when the dispute is lost, until an operator lifts it (audited)', async () => {
    const { disputeId } = await disputedCharge('order-disputed-lost');
    expect((await call('POST', `/disputes/${disputeId}/lift-freeze`, { reason: 'debt_settled' })).json().code).toBe(
      'billing.dispute_open',
    );
    await call('POST', `/disputes/${disputeId}/evidence`, { uncategorized_text: 'losing_evidence' });
    expect((await call('POST', `/disputes/${disputeId}/submit`)).statusCode).toBe(200);
    await kit.delivered();
    expect((await call('GET', `/disputes/${disputeId}`)).json()).toMatchObject({
      status: 'lost',
      entitlements_frozen: true,
    });
    expect(await frozen()).toBe(true);
    const lifted = await call('POST', `/disputes/${disputeId}/lift-freeze`, {
      reason: 'debt_settled',
      note: 'case 4411',
    });
    expect([lifted.statusCode, lifted.json().entitlements_frozen]).toEqual([200, false]);
    expect(await frozen()).toBe(false);
    const again = await call('POST', `/disputes/${disputeId}/lift-freeze`, { reason: 'debt_settled' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'billing.dispute_not_frozen']);
    const [restored] = await kit.testDb.superuser(
      "SELECT details FROM audit_events WHERE org_id = $1 AND action = 'billing.entitlements.restored' AND details->>'dispute_id' = $2",
      [org, disputeId],
    );
    expect(restored?.details).toMatchObject({ reason: 'debt_settled', note: 'case 4411' });
  });

  it('a retention prune of the disputed period deletes no held usage record, and deletes unheld old ones', async () => {
    const { disputeId } = await disputedCharge('order-disputed-prune');
    const [hold] = await kit.testDb.superuser(
      'SELECT held_from, held_to FROM audit_legal_holds WHERE org_id = $1 AND source_id = $2',
      [org, disputeId],
    );
    const from = new Date(hold?.held_from as string);
    const to = new Date(hold?.held_to as string);
    const insideHold = [from, new Date((from.getTime() + to.getTime()) / 2), to];
    const beforeHold = [new Date(from.getTime() - 86_400_000), new Date(from.getTime() - 2 * 86_400_000)];
    for (const [i, at] of [...insideHold, ...beforeHold].entries())
      await kit.testDb.superuser(
        `INSERT INTO gateway_usage (org_id, request_id, principal_id, model, state, input_micros_per_mtok, output_micros_per_mtok, reserved_tokens, reserved_micros, created_at)
         VALUES ($1, $2, 'key_x', 'm', 'settled', 0, 0, 0, 0, $3)`,
        [org, `req_prune_${i}`, at],
      );
    const result = await pruneUsageRecords(
      { db: kit.runtime.db, audit: kit.runtime.audit },
      org,
      new Date(to.getTime() + 1000),
      { type: 'system', id: 'retention' },
    );
    expect(result).toEqual({ deleted: 2, held: 3 });
    const kept = await kit.testDb.superuser(
      "SELECT request_id FROM gateway_usage WHERE org_id = $1 AND request_id LIKE 'req_prune_%' ORDER BY request_id",
      [org],
    );
    expect(kept.map((r) => r.request_id)).toEqual(['req_prune_0', 'req_prune_1', 'req_prune_2']);
  });
});
