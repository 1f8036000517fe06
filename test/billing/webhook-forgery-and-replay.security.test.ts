import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESSOR_WEBHOOK_PATH } from '../../src/modules/billing/index.js';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Attack: an attacker who captured the processor's webhook deliveries (or knows their format) forges, alters, delays
// or replays them to mark an unpaid payment as paid. Each is refused, and nothing changes: not the payment, not the
// event store, not the audit log.
describe(`forged, altered, stale, future and replayed processor webhooks (${backendName})`, () => {
  let kit: BillingKit;
  let paymentId: string;
  let failed: { payload: string; signature: string };

  const post = (payload: string, signature: string | undefined) =>
    kit.app.inject({
      method: 'POST',
      url: PROCESSOR_WEBHOOK_PATH,
      headers: {
        'content-type': 'application/json',
        ...(signature !== undefined ? { 'stripe-signature': signature } : {}),
      },
      payload,
    });

  async function state() {
    const [payment] = await kit.testDb.superuser('SELECT status FROM billing_payments WHERE id = $1', [paymentId]);
    const [events] = await kit.testDb.superuser('SELECT count(*)::int AS n FROM billing_webhook_events');
    const [audit] = await kit.testDb.superuser(
      "SELECT count(*)::int AS n FROM audit_events WHERE action LIKE 'billing.webhook.%'",
    );
    return { status: payment?.status, events: events?.n, audit: audit?.n };
  }

  beforeAll(async () => {
    kit = await startBillingKit();
    const card = await kit.addCard('pm_card_chargeCustomerFail');
    const res = await kit.pay(card, 'unpaid-order');
    expect(res.statusCode).toBe(402);
    paymentId = res.json().payment_id as string;
    await kit.delivered();
    const delivery = kit.sandbox.webhooks.attempts.find(
      (a) => a.type === 'payment_intent.payment_failed' && a.payload.includes(paymentId) && a.status === 200,
    );
    if (!delivery) throw new Error('no payment_failed delivery captured');
    failed = delivery;
  }, 120_000);
  afterAll(async () => kit.close());

  it('refuses a "succeeded" rewrite of a captured "failed" event (body altered after signing)', async () => {
    const before = await state();
    const forged = failed.payload.replace('"payment_intent.payment_failed"', '"payment_intent.succeeded"');
    expect(forged).not.toBe(failed.payload);
    const res = await post(forged, failed.signature);
    expect([res.statusCode, res.json().code]).toEqual([400, 'billing.webhook_signature_invalid']);
    expect(await state()).toEqual(before);
  });

  it('refuses a signature made with another secret, a missing one and a malformed one', async () => {
    const before = await state();
    const t = Math.floor(Date.now() / 1000);
    for (const signature of [`t=${t},v1=${'a'.repeat(64)}`, undefined, 'garbage'])
      expect((await post(failed.payload, signature)).statusCode).toBe(400);
    expect(await state()).toEqual(before);
  });

  it('answers a replayed event id as a duplicate and applies nothing', async () => {
    const before = await state();
    const res = await post(failed.payload, failed.signature);
    expect([res.statusCode, res.json().duplicate]).toEqual([200, true]);
    expect(await state()).toEqual(before);
  });

  it('refuses a captured delivery replayed after 300 s, and one signed more than 60 s ahead of our clock', async () => {
    const before = await state();
    kit.shiftClock(301);
    try {
      const stale = await post(failed.payload, failed.signature);
      expect([stale.statusCode, stale.json().code]).toEqual([400, 'billing.webhook_signature_invalid']);
    } finally {
      kit.shiftClock(-301);
    }
    kit.shiftClock(-120);
    try {
      const future = await post(failed.payload, failed.signature);
      expect(future.statusCode).toBe(400);
    } finally {
      kit.shiftClock(120);
    }
    expect(await state()).toEqual(before);
    expect(before.status).toBe('failed');
  });
});
