import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecoveryService } from '../../src/modules/billing/index.js';
import type { PaymentProcessor } from '../../src/modules/billing/ports.js';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';
import { recoveryOf } from './recovery-kit.js';

// Attack (or accident): the node dies after the processor charged a recovery retry and before the charge was
// recorded; the rerun must not charge the customer a second time. Each attempt has its own idempotency key, kept
// when a rerun takes the attempt over, so the processor answers the rerun with the charge it already made.
describe(`a recovery retry that crashed before it was recorded (${backendName})`, () => {
  let kit: BillingKit;

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('is rerun under the same key and charges once', async () => {
    const r = recoveryOf(kit);
    const { runtime } = kit;
    const real = runtime.services.billing.processor;
    const keys: string[] = [];
    const crashingPay: PaymentProcessor['pay'] = async (input, key) => {
      keys.push(key);
      await real.pay(input, key);
      throw new Error('the node died before recording the charge');
    };
    // The real processor, but its node dies right after every charge the processor made.
    const crashing = new Proxy(real, {
      get: (target, prop) => {
        if (prop === 'pay') return crashingPay;
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const crashingRecovery = new RecoveryService({
      db: runtime.db,
      cipher: runtime.services.cipher,
      audit: runtime.audit,
      clock: runtime.clock,
      processor: crashing,
      orgs: runtime.orgs,
      graceDays: 7,
      cardUpdateUrl: undefined,
    });
    const card = await kit.addCard('pm_card_bulwarkSandbox_renewalDeclined_insufficientFunds_thenSucceeds');
    const payment = await r.renew(card, 'renewal-crash');
    const opened = await r.recovery.openRecoveryCase(r.orgId, payment.id);

    kit.shiftClock(86_400);
    await expect(crashingRecovery.runDueRecoveryAttempts(r.now())).rejects.toThrow(/node died/);
    await kit.delivered();
    expect(r.eventsOfCase('payment_intent.succeeded', opened.id)).toHaveLength(1);
    // Within the attempt's lease nobody else takes it.
    expect((await r.recovery.runDueRecoveryAttempts(r.now())).charged).toBe(0);

    kit.shiftClock(61);
    const rerun = await r.recovery.runDueRecoveryAttempts(r.now());
    await kit.delivered();
    expect(rerun.recovered).toBe(1);
    expect(await r.caseRow(opened.id)).toEqual({ state: 'recovered', attempts: 1 });
    // One intent, one successful charge at the processor, though it was asked twice under one key.
    expect(keys).toEqual([`bulwark-recovery-${opened.id}-1`]);
    expect(r.eventsOfCase('payment_intent.created', opened.id)).toHaveLength(1);
    expect(r.eventsOfCase('payment_intent.succeeded', opened.id)).toHaveLength(1);
  });
});
