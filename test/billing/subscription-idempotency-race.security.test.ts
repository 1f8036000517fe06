import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Attack: a client (or a retrying proxy) sends one subscription change many times at once, or reuses its key for
// another plan, hoping for two changes or a change it did not ask for under a replayed answer.
describe(`concurrent subscription changes with one Idempotency-Key (${backendName})`, () => {
  let kit: BillingKit;
  let url: string;
  const subscribe = (plan: string, key: string) =>
    kit.ctx.call(kit.ctx.a.ownerKey, 'POST', url, { plan }, { 'idempotency-key': key });

  beforeAll(async () => {
    kit = await startBillingKit();
    url = `/v1/orgs/${kit.ctx.a.orgId}/billing/subscription`;
    const trial = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `${url}/trial`, {
      plan: 'pro',
      token: 'pm_card_visa',
    });
    expect(trial.statusCode).toBe(201);
  }, 120_000);
  afterAll(async () => kit.close());

  it('makes one change: the rest are 409 while it runs and replay it after', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => subscribe('enterprise', 'race-key')));
    const codes = responses.map((r) => r.statusCode);
    expect(codes.filter((c) => c !== 200 && c !== 409)).toEqual([]);
    const fresh = responses.filter((r) => r.statusCode === 200 && r.headers['idempotent-replayed'] === undefined);
    expect(fresh).toHaveLength(1);
    for (const r of responses.filter((x) => x.statusCode === 409))
      expect(r.json().code).toBe('billing.idempotency_in_progress');
    const after = await subscribe('enterprise', 'race-key');
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.json()).toEqual(fresh[0]?.json());
    const upgrades = await kit.testDb.superuser(
      `SELECT count(*)::int AS n FROM audit_events WHERE org_id = '${kit.ctx.a.orgId}' AND action = 'billing.subscription.upgraded'`,
    );
    expect(upgrades[0]?.n).toBe(1);
  });

  it('refuses the key with another plan and changes nothing', async () => {
    const other = await subscribe('free', 'race-key');
    expect([other.statusCode, other.json().code]).toEqual([400, 'billing.idempotency_conflict']);
    const now = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', url);
    expect(now.json()).toMatchObject({ plan: 'enterprise', status: 'active' });
  });
});
