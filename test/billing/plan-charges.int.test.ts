import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

const DAY_S = 86_400;
const PRO = 4_900;
const ENTERPRISE = 49_900;

describe(`plans are charged: activation, proration, 3-D Secure, renewal, declines (${backendName})`, () => {
  let kit: BillingKit;
  let offsetDays = 0;
  const now = () => new Date(Date.now() + offsetDays * DAY_S * 1000);
  const shiftDays = (days: number) => {
    offsetDays += days;
    kit.shiftClock(days * DAY_S);
  };
  const billing = (org: 'a' | 'b') => `/v1/orgs/${kit.ctx[org].orgId}/billing`;
  const as = (org: 'a' | 'b', method: 'GET' | 'POST', path: string, body?: unknown, key?: string) =>
    kit.ctx.call(kit.ctx[org].ownerKey, method, `${billing(org)}${path}`, body, key ? { 'idempotency-key': key } : {});
  const subscribe = (org: 'a' | 'b', body: Record<string, unknown>, key: string) =>
    as(org, 'POST', '/subscription', body, key);
  const payments = async (org: 'a' | 'b') =>
    (await as(org, 'GET', '/payments')).json().data as { id: string; amount: number; status: string }[];
  const addCard = async (org: 'a' | 'b', token: string) => {
    const res = await as(org, 'POST', '/payment-methods', { token });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const auditReasons = async (action: string) =>
    (
      await kit.testDb.superuser(
        'SELECT reason_codes FROM audit_events WHERE org_id = $1 AND action = $2 ORDER BY seq',
        [kit.ctx.a.orgId, action],
      )
    ).map((r) => r.reason_codes as string[]);

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('activating a paid plan charges its whole price once and starts a monthly period', async () => {
    const card = await addCard('a', 'pm_card_visa');
    const res = await subscribe('a', { plan: 'pro', payment_method_id: card }, 'activate-1');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ plan: 'pro', status: 'active', payment_method_id: card, pending_plan: null });
    expect(body.charge).toMatchObject({ status: 'succeeded', amount: PRO, currency: 'usd' });
    const days = (Date.parse(body.current_period_end) - Date.parse(body.current_period_start)) / (DAY_S * 1000);
    expect(days).toBeGreaterThanOrEqual(28);
    expect(days).toBeLessThanOrEqual(31);
    const replay = await subscribe('a', { plan: 'pro', payment_method_id: card }, 'activate-1');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(body);
    expect((await payments('a')).map((p) => [p.id, p.amount, p.status])).toEqual([
      [body.charge.payment_id, PRO, 'succeeded'],
    ]);
  });

  it('an upgrade inside the period is charged the price difference for what is left of it, and keeps it', async () => {
    shiftDays(10);
    const before = (await as('a', 'GET', '/subscription')).json();
    const start = Date.parse(before.current_period_start);
    const end = Date.parse(before.current_period_end);
    const leftAtLeast = (end - now().getTime() - 60_000) / (end - start);
    const leftAtMost = (end - now().getTime()) / (end - start);
    const res = await subscribe('a', { plan: 'enterprise' }, 'upgrade-1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      plan: 'enterprise',
      current_period_start: before.current_period_start,
      current_period_end: before.current_period_end,
      entitlements: { plan: 'enterprise' },
    });
    const { amount } = res.json().charge as { amount: number };
    expect(amount).toBeGreaterThanOrEqual(Math.floor((ENTERPRISE - PRO) * leftAtLeast));
    expect(amount).toBeLessThanOrEqual(Math.ceil((ENTERPRISE - PRO) * leftAtMost));
    // Back down: at once, not charged, not credited.
    const down = await subscribe('a', { plan: 'pro' }, 'downgrade-1');
    expect(down.json()).toMatchObject({ plan: 'pro', charge: null, current_period_end: before.current_period_end });
    const up = await subscribe('a', { plan: 'enterprise' }, 'upgrade-2');
    expect(up.json().charge.amount).toBeGreaterThan(0);
    expect((await payments('a')).length).toBe(3);
  });

  it('the renewal job charges the next period where the last one ended, once', async () => {
    const before = (await as('a', 'GET', '/subscription')).json();
    shiftDays(25);
    const summary = await kit.runtime.services.billing.renewals.runDueRenewals(now());
    expect(summary).toMatchObject({ due: 1, renewed: 1, declined: 0 });
    const after = (await as('a', 'GET', '/subscription')).json();
    expect(after).toMatchObject({
      plan: 'enterprise',
      status: 'active',
      current_period_start: before.current_period_end,
    });
    expect(Date.parse(after.current_period_end)).toBeGreaterThan(now().getTime());
    const [newest] = await payments('a');
    expect([newest?.amount, newest?.status]).toEqual([ENTERPRISE, 'succeeded']);
    expect(await kit.runtime.services.billing.renewals.runDueRenewals(now())).toMatchObject({ due: 0 });
    expect((await payments('a')).length).toBe(4);
  });

  it('a declined renewal advances the period and opens recovery; still unpaid after grace, the plan lapses', async () => {
    // Same plan with another card: nothing is charged now, the next renewal charges the new card.
    const failing = await addCard('a', 'pm_card_chargeCustomerFail');
    const swap = await subscribe('a', { plan: 'enterprise', payment_method_id: failing }, 'card-swap');
    expect(swap.json()).toMatchObject({ charge: null, payment_method_id: failing });
    const before = swap.json();
    shiftDays(31);
    expect(await kit.runtime.services.billing.renewals.runDueRenewals(now())).toMatchObject({ due: 1, declined: 1 });
    const after = (await as('a', 'GET', '/subscription')).json();
    expect(after).toMatchObject({
      status: 'active',
      current_period_start: before.current_period_end,
      decline_code: 'generic_decline',
      entitlements: { plan: 'enterprise' },
    });
    const recovery = (await as('a', 'GET', '/recovery')).json();
    expect(JSON.stringify(recovery)).toContain((await payments('a'))[0]?.id);
    expect(await auditReasons('billing.subscription.renewal_failed')).toEqual([['billing.card_declined']]);
    // Past the grace period the paid entitlements drop; at the period's end the plan is not charged again.
    shiftDays(31);
    const lapsed = await kit.runtime.services.billing.renewals.runDueRenewals(now());
    expect(lapsed).toMatchObject({ due: 1, lapsed: 1 });
    expect((await as('a', 'GET', '/subscription')).json()).toMatchObject({
      status: 'canceled',
      entitlements: { plan: 'free' },
    });
    expect(await auditReasons('billing.subscription.canceled')).toEqual([['billing.payment_overdue']]);
    // Paying afresh with a good card puts the org back on the plan: the old debt no longer holds a new period back.
    const good = await addCard('a', 'pm_card_visa');
    const back = await subscribe('a', { plan: 'pro', payment_method_id: good }, 'after-lapse');
    expect(back.json()).toMatchObject({ status: 'active', charge: { amount: PRO }, entitlements: { plan: 'pro' } });
  });

  it('a declined activation changes nothing and is answered 402 again on a retry', async () => {
    const card = await addCard('b', 'pm_card_chargeCustomerFail');
    const res = await subscribe('b', { plan: 'enterprise', payment_method_id: card }, 'declined-1');
    expect([res.statusCode, res.json().code, res.json().decline_code]).toEqual([
      402,
      'billing.card_declined',
      'generic_decline',
    ]);
    expect(res.json().payment_id).toMatch(/^pay_/);
    expect((await as('b', 'GET', '/subscription')).json()).toMatchObject({ id: null, entitlements: null });
    const retry = await subscribe('b', { plan: 'enterprise', payment_method_id: card }, 'declined-1');
    expect([retry.statusCode, retry.json().payment_id]).toEqual([402, res.json().payment_id]);
    expect((await payments('b')).length).toBe(1);
  });

  it('a plan whose payment needs 3-D Secure waits for it, and the webhook puts the org on it once paid', async () => {
    const card = await addCard('b', 'pm_card_authenticationRequired');
    // Failed authentication: the pending plan is dropped, nothing else changes.
    const failed = await subscribe('b', { plan: 'enterprise', payment_method_id: card }, 'sca-fail');
    expect([failed.statusCode, failed.json().pending_plan]).toEqual([202, 'enterprise']);
    const fail = await fetch(failed.json().next_action.url as string, {
      method: 'POST',
      body: new URLSearchParams({ result: 'fail' }),
    });
    expect(fail.status).toBe(200);
    await kit.delivered();
    expect((await as('b', 'GET', '/subscription')).json()).toMatchObject({
      plan: 'free',
      pending_plan: null,
      next_action: null,
      entitlements: { plan: 'free' },
    });
    const res = await subscribe('b', { plan: 'pro', payment_method_id: card }, 'sca-1');
    expect(res.statusCode).toBe(202);
    // It waits on Free: the org has entered billing and is entitled to no more until it has paid.
    expect(res.json()).toMatchObject({
      plan: 'free',
      pending_plan: 'pro',
      entitlements: { plan: 'free' },
      charge: { status: 'requires_action', amount: PRO },
    });
    const approve = await fetch(res.json().next_action.url as string, {
      method: 'POST',
      body: new URLSearchParams({ result: 'approve' }),
    });
    expect(approve.status).toBe(200);
    await kit.delivered();
    const after = (await as('b', 'GET', '/subscription')).json();
    expect(after).toMatchObject({ plan: 'pro', status: 'active', pending_plan: null, entitlements: { plan: 'pro' } });
    expect(after.current_period_end).not.toBeNull();
  });
});
