import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';
import { recoveryOf } from './recovery-kit.js';

// Failed-payment recovery through the real `stripe` SDK against the sandbox, with the node's clock moved day by day.
describe(`failed-payment recovery (${backendName})`, () => {
  let kit: BillingKit;
  let r: ReturnType<typeof recoveryOf>;

  beforeAll(async () => {
    kit = await startBillingKit();
    r = recoveryOf(kit);
  }, 120_000);
  afterAll(async () => kit.close());

  it('retries a soft decline on its schedule and recovers it', async () => {
    const card = await kit.addCard('pm_card_bulwarkSandbox_renewalDeclined_insufficientFunds_thenSucceeds');
    const payment = await r.renew(card, 'renewal-soft');
    expect(payment).toMatchObject({ status: 'failed', declineCode: 'insufficient_funds' });
    const opened = await r.recovery.openRecoveryCase(r.orgId, payment.id);
    expect(opened).toMatchObject({ reason: 'insufficient_funds', state: 'open', attempts: 0 });
    expect(opened.nextAttemptAt?.getTime()).toBe(opened.openedAt.getTime() + 86_400_000);

    // Owed, inside the grace period: entitlements are kept.
    await kit.runtime.db.withTenant(r.orgId, async (sql) => {
      expect(await r.recovery.recoveryStatus(sql)).toMatchObject({ status: 'in_grace', activeCases: 1 });
    });
    // Half a day later nothing is due yet.
    kit.shiftClock(43_200);
    expect((await r.recovery.runDueRecoveryAttempts(r.now())).due).toBe(0);
    expect(r.eventsOfCase('payment_intent.created', opened.id)).toHaveLength(0);

    kit.shiftClock(43_200);
    const run = await r.recovery.runDueRecoveryAttempts(r.now());
    await kit.delivered();
    expect(run).toMatchObject({ due: 1, recovered: 1 });
    expect(await r.caseRow(opened.id)).toEqual({ state: 'recovered', attempts: 1 });
    expect(r.eventsOfCase('payment_intent.succeeded', opened.id)).toHaveLength(1);
    expect(await r.auditActions()).toEqual([
      'billing.recovery.scheduled',
      'billing.recovery.retried',
      'billing.recovery.recovered',
    ]);
    const report = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `/v1/orgs/${r.orgId}/billing/recovery`);
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({ recovered: { count: 1, amount: 2_000 }, open: { count: 0 } });
    await kit.runtime.db.withTenant(r.orgId, async (sql) =>
      expect(await r.recovery.recoveryStatus(sql)).toMatchObject({ status: 'current' }),
    );
  });

  it('never retries a hard decline (fraud): the processor sees exactly one attempt', async () => {
    const card = await kit.addCard('pm_card_bulwarkSandbox_renewalDeclined_fraudulent');
    const payment = await r.renew(card, 'renewal-fraud');
    expect(payment.declineCode).toBe('fraudulent');
    const opened = await r.recovery.openRecoveryCase(r.orgId, payment.id);
    expect(opened).toMatchObject({ reason: 'hard_decline', state: 'hard_declined', nextAttemptAt: null });
    for (let day = 0; day < 10; day += 1) await r.runAfterDays(1);
    type Charge = { type: string; data: { object: { outcome: { reason?: string } | null } } };
    const fraudCharges = (kit.sandbox.webhooks.list() as unknown as Charge[]).filter(
      (e) => e.type === 'charge.failed' && e.data.object.outcome?.reason === 'fraudulent',
    );
    expect(fraudCharges).toHaveLength(1);
    expect(await r.caseRow(opened.id)).toEqual({ state: 'hard_declined', attempts: 0 });
    // Still owed: the grace period runs, then it is over.
    await kit.runtime.db.withTenant(r.orgId, async (sql) =>
      expect(await r.recovery.recoveryStatus(sql)).toMatchObject({ status: 'grace_over' }),
    );
  });

  it('exhausts a soft decline whose retries all fail, after exactly its scheduled attempts', async () => {
    const card = await kit.addCard('pm_card_chargeCustomerFail');
    const payment = await r.renew(card, 'renewal-generic');
    const opened = await r.recovery.openRecoveryCase(r.orgId, payment.id);
    expect(opened.reason).toBe('do_not_honor');
    for (let day = 0; day < 8; day += 1) await r.runAfterDays(1);
    expect(await r.caseRow(opened.id)).toEqual({ state: 'exhausted', attempts: 2 });
    expect(r.eventsOfCase('payment_intent.created', opened.id)).toHaveLength(2);
  });

  it('asks for 3-D Secure by e-mail with a hosted link; completing it recovers the case', async () => {
    const card = await kit.addCard('pm_card_authenticationRequired');
    const payment = await r.renew(card, 'renewal-3ds');
    expect(payment).toMatchObject({ status: 'failed', declineCode: 'authentication_required' });
    const opened = await r.recovery.openRecoveryCase(r.orgId, payment.id);
    expect(opened.reason).toBe('authentication_required');
    const run = await r.recovery.runDueRecoveryAttempts(r.now());
    expect(run.awaitingCustomer).toBe(1);
    expect(await r.caseRow(opened.id)).toEqual({ state: 'awaiting_customer', attempts: 1 });
    const mail = (await r.outbox()).find((m) => m.case_id === opened.id);
    expect(mail?.kind).toBe('recovery_authenticate');
    const link = /(http:\/\/\S+\/sandbox\/authenticate\/pi_\w+)/.exec(mail?.body ?? '')?.[1];
    expect(link).toBeDefined();
    // No card data in the message: neither the card's last digits nor its brand.
    expect(mail?.body).not.toMatch(/3184|visa/i);
    const approved = await fetch(link ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'result=approve',
    });
    expect(approved.status).toBe(200);
    await kit.delivered();
    expect(await r.caseRow(opened.id)).toEqual({ state: 'recovered', attempts: 1 });
    expect((await r.auditActions()).filter((a) => a === 'billing.recovery.customer_action_requested')).toHaveLength(1);
  });

  it('asks for a new card when the card expired, never charges the dead card, and charges the new one', async () => {
    const card = await kit.addCard('pm_card_bulwarkSandbox_renewalDeclined_expiredCard');
    const payment = await r.renew(card, 'renewal-expired');
    const opened = await r.recovery.openRecoveryCase(r.orgId, payment.id);
    expect(opened).toMatchObject({ reason: 'expired_card', state: 'awaiting_customer' });
    const mail = (await r.outbox()).find((m) => m.case_id === opened.id);
    expect(mail?.kind).toBe('recovery_update_card');
    expect(mail?.body).toContain(`${kit.sandbox.url}/sandbox/tokenize`);
    await r.runAfterDays(1);
    expect(r.eventsOfCase('payment_intent.created', opened.id)).toHaveLength(0);
    kit.shiftClock(3_600);
    await kit.addCard('pm_card_visa');
    await r.runAfterDays(2);
    expect(await r.caseRow(opened.id)).toEqual({ state: 'recovered', attempts: 1 });
    expect(r.eventsOfCase('payment_intent.succeeded', opened.id)).toHaveLength(1);
  });
});
