import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';
import { recoveryOf } from './recovery-kit.js';

// Attack: let a renewal fail (a card reported stolen) and keep using the paid plan, since nothing charges the org
// again. The paid entitlements hold through the grace period while recovery runs, then drop to Free: the gateway's
// meter reads them in every reservation.
describe(`a failed payment past its grace period drops paid entitlements to Free (${backendName})`, () => {
  let kit: BillingKit;

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('keeps Pro during the grace period and falls to Free after it', async () => {
    const r = recoveryOf(kit);
    const base = `/v1/orgs/${r.orgId}/billing`;
    const plan = async () =>
      (await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `${base}/entitlements`)).json().entitlements.plan as string;
    const trial = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `${base}/subscription/trial`, {
      plan: 'pro',
      token: 'pm_card_visa',
    });
    expect(trial.statusCode, trial.body).toBe(201);
    expect(await plan()).toBe('pro');

    const card = await kit.addCard('pm_card_bulwarkSandbox_renewalDeclined_stolenCard');
    const payment = await r.renew(card, 'renewal-stolen');
    await r.recovery.openRecoveryCase(r.orgId, payment.id);
    await r.runAfterDays(3);
    expect(await plan()).toBe('pro');
    await r.runAfterDays(5);
    expect(await plan()).toBe('free');
  });
});
