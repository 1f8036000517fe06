import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';
import { recoveryOf } from './recovery-kit.js';

// Attack: a validly signed `payment_intent.succeeded` about some other intent (one anyone with access to the processor
// account could create) names a recovery case in its metadata, to mark an unpaid case recovered and keep the plan.
// Only the intent the case is waiting on recovers it.
describe(`a succeeded event for another intent naming a recovery case (${backendName})`, () => {
  let kit: BillingKit;

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('changes nothing; the real completion recovers the case', async () => {
    const r = recoveryOf(kit);
    const card = await kit.addCard('pm_card_authenticationRequired');
    const payment = await r.renew(card, 'renewal-3ds-forged');
    const opened = await r.recovery.openRecoveryCase(r.orgId, payment.id);
    await r.recovery.runDueRecoveryAttempts(r.now());
    expect(await r.caseRow(opened.id)).toEqual({ state: 'awaiting_customer', attempts: 1 });

    kit.sandbox.webhooks.publish(
      {
        type: 'payment_intent.succeeded',
        object: {
          id: 'pi_someoneelsesintent0000000',
          object: 'payment_intent',
          status: 'succeeded',
          metadata: { bulwark_org_id: r.orgId, bulwark_recovery_case_id: opened.id },
        },
      },
      { id: 'req_forged', idempotencyKey: null },
    );
    await kit.delivered();
    expect(await r.caseRow(opened.id)).toEqual({ state: 'awaiting_customer', attempts: 1 });
    expect(await r.auditActions()).not.toContain('billing.recovery.recovered');

    const link = /(http:\/\/\S+\/sandbox\/authenticate\/pi_\w+)/.exec((await r.outbox())[0]?.body ?? '')?.[1] ?? '';
    await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'result=approve',
    });
    await kit.delivered();
    expect(await r.caseRow(opened.id)).toEqual({ state: 'recovered', attempts: 1 });
  });
});
