import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

const DAY_S = 86_400;

describe(`a trial that ends is charged into its plan, or disabled when the card declines (${backendName})`, () => {
  let kit: BillingKit;
  let offsetDays = 0;
  const now = () => new Date(Date.now() + offsetDays * DAY_S * 1000);
  const as = (org: 'a' | 'b', method: 'GET' | 'POST', path: string, body?: unknown) =>
    kit.ctx.call(kit.ctx[org].ownerKey, method, `/v1/orgs/${kit.ctx[org].orgId}/billing${path}`, body);
  const renew = () => kit.runtime.services.billing.renewals.runDueRenewals(now());

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('charges nothing during the trial, then the plan price from the trial end, and disables a declined trial', async () => {
    const ok = await as('a', 'POST', '/subscription/trial', { plan: 'pro', token: 'pm_card_visa' });
    expect(ok.json()).toMatchObject({ status: 'trialing' });
    // Attaching and the setup check pass; every charge fails.
    const failing = await as('b', 'POST', '/subscription/trial', { plan: 'pro', token: 'pm_card_chargeCustomerFail' });
    expect(failing.json()).toMatchObject({ status: 'trialing' });
    expect(await renew()).toMatchObject({ due: 0 });

    offsetDays += 15;
    kit.shiftClock(15 * DAY_S);
    expect(await renew()).toMatchObject({ due: 2, converted: 1, declined: 1 });

    const converted = (await as('a', 'GET', '/subscription')).json();
    expect(converted).toMatchObject({
      plan: 'pro',
      status: 'active',
      current_period_start: ok.json().trial_ends_at,
      entitlements: { plan: 'pro' },
    });
    const paid = (await as('a', 'GET', '/payments')).json().data as { amount: number; status: string }[];
    expect(paid.map((p) => [p.amount, p.status])).toEqual([[4_900, 'succeeded']]);

    const disabled = (await as('b', 'GET', '/subscription')).json();
    expect(disabled).toMatchObject({
      status: 'canceled',
      entitlements: { plan: 'free' },
      decline_code: 'generic_decline',
    });
    // One trial per org: the declined one was it.
    const again = await as('b', 'POST', '/subscription/trial', { plan: 'pro', token: 'pm_card_visa' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'billing.trial_unavailable']);
    expect(await renew()).toMatchObject({ due: 0 });
  });
});
