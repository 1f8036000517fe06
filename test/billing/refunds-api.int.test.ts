import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Refunds through Bulwark's API, with the real stripe SDK against the sandbox processor.
describe(`refunds (${backendName})`, () => {
  let kit: BillingKit;
  let card: string;

  const refund = (paymentId: string, key: string, body: Record<string, unknown> = {}, as = kit.ctx.a.ownerKey) =>
    kit.ctx.call(as, 'POST', `/v1/orgs/${kit.ctx.a.orgId}/billing/payments/${paymentId}/refunds`, body, {
      'idempotency-key': key,
    });

  async function paid(key: string): Promise<string> {
    const res = await kit.pay(card, key);
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  }

  beforeAll(async () => {
    kit = await startBillingKit();
    card = await kit.addCard('pm_card_visa');
  }, 120_000);
  afterAll(async () => kit.close());

  it('refunds a payment in full when no amount is given, audited, and the webhook keeps it succeeded', async () => {
    const payment = await paid('order-full');
    const res = await refund(payment, 'refund-full');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ payment_id: payment, status: 'succeeded', amount: 2_000, currency: 'usd' });
    await kit.delivered();
    const [row] = await kit.testDb.superuser('SELECT status, processor_ciphertext FROM billing_refunds WHERE id = $1', [
      res.json().id,
    ]);
    expect(row?.status).toBe('succeeded');
    expect(String(row?.processor_ciphertext)).toMatch(/^bwf1\./);
    const [audit] = await kit.testDb.superuser(
      "SELECT details FROM audit_events WHERE action = 'billing.refund.created' AND details->>'refund_id' = $1",
      [res.json().id],
    );
    expect(audit?.details).toMatchObject({ payment_id: payment, amount: 2_000 });
    const [event] = await kit.testDb.superuser(
      "SELECT outcome FROM billing_webhook_events WHERE type = 'refund.created' ORDER BY received_at DESC LIMIT 1",
    );
    // The processor's event about a refund already recorded as succeeded changes nothing (forward only).
    expect(['applied', 'stale']).toContain(event?.outcome);
  });

  it('refunds in parts up to the payment and refuses a refund over what remains (409, naming the field)', async () => {
    const payment = await paid('order-partial');
    expect((await refund(payment, 'part-1', { amount: 500 })).statusCode).toBe(201);
    expect((await refund(payment, 'part-2', { amount: 1_000, reason: 'requested_by_customer' })).statusCode).toBe(201);
    const over = await refund(payment, 'part-3', { amount: 501 });
    expect([over.statusCode, over.json().code]).toEqual([409, 'billing.refund_exceeds_remaining']);
    expect(over.json()).toMatchObject({ field: 'body.amount', remaining: 500 });
    expect((await refund(payment, 'part-4', { amount: 500 })).statusCode).toBe(201);
    const none = await refund(payment, 'part-5', { amount: 1 });
    expect(none.json().code).toBe('billing.refund_exceeds_remaining');
    const list = await kit.ctx.call(
      kit.ctx.a.ownerKey,
      'GET',
      `/v1/orgs/${kit.ctx.a.orgId}/billing/payments/${payment}/refunds`,
    );
    expect(list.json().data.map((r: { amount: number }) => r.amount)).toEqual([500, 1_000, 500]);
    // At the processor too: the charge is refunded in full, never more.
    await kit.delivered();
    const intent = intentOf(payment);
    const refunded = kit.sandbox.webhooks.attempts
      .filter((a) => a.type === 'charge.refunded' && a.payload.includes(intent))
      .map((a) => (JSON.parse(a.payload) as { data: { object: { amount_refunded: number } } }).data.object);
    expect(Math.max(...refunded.map((c) => c.amount_refunded))).toBe(2_000);
  });

  it('replays a retried refund with the same key (one refund at the processor) and refuses the key reused', async () => {
    const payment = await paid('order-retry');
    const first = await refund(payment, 'refund-once', { amount: 700 });
    const again = await refund(payment, 'refund-once', { amount: 700 });
    expect(first.statusCode).toBe(201);
    expect([again.statusCode, again.headers['idempotent-replayed'], again.json().id]).toEqual([
      201,
      'true',
      first.json().id,
    ]);
    const other = await refund(payment, 'refund-once', { amount: 800 });
    expect([other.statusCode, other.json().code]).toEqual([400, 'billing.idempotency_conflict']);
    const [n] = await kit.testDb.superuser('SELECT count(*)::int AS n FROM billing_refunds WHERE payment_id = $1', [
      payment,
    ]);
    expect(n?.n).toBe(1);
  });

  it('refuses a refund of a declined payment and one without Idempotency-Key', async () => {
    const declinedCard = await kit.addCard('pm_card_chargeCustomerFail');
    const declined = await kit.pay(declinedCard, 'order-declined');
    expect(declined.statusCode).toBe(402);
    const res = await refund(declined.json().payment_id as string, 'refund-declined');
    expect([res.statusCode, res.json().code]).toEqual([409, 'billing.payment_not_refundable']);
    const payment = await paid('order-nokey');
    const nokey = await kit.ctx.call(
      kit.ctx.a.ownerKey,
      'POST',
      `/v1/orgs/${kit.ctx.a.orgId}/billing/payments/${payment}/refunds`,
      {},
    );
    expect([nokey.statusCode, nokey.json().code]).toEqual([400, 'billing.idempotency_key_required']);
  });

  function intentOf(paymentId: string): string {
    const found = kit.sandbox.webhooks.attempts.find(
      (a) => a.type === 'payment_intent.succeeded' && a.payload.includes(paymentId),
    );
    if (!found) throw new Error('no payment_intent.succeeded event for the payment');
    return (JSON.parse(found.payload) as { data: { object: { id: string } } }).data.object.id;
  }
});
