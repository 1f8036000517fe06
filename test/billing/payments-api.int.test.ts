import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Payments through the HTTP API against the sandbox processor (the real stripe SDK underneath), with the sandbox's
// signed webhooks arriving at the node.
describe(`payments over HTTP against the sandbox processor (${backendName})`, () => {
  let kit: BillingKit;
  const payment = (id: string) =>
    kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `/v1/orgs/${kit.ctx.a.orgId}/billing/payments/${id}`);
  const webhookOutcomes = async (paymentId: string) => {
    await kit.delivered();
    const rows = await kit.testDb.superuser(
      "SELECT details->>'type' AS type, details->>'outcome' AS outcome FROM audit_events WHERE action = 'billing.webhook.received' AND details->>'payment_id' = $1 ORDER BY seq",
      [paymentId],
    );
    return rows.map((r) => `${String(r.type)}:${String(r.outcome)}`);
  };

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('saves a card from a token and charges it; the success webhook arrives after and changes nothing', async () => {
    const card = await kit.addCard('pm_card_visa');
    const cards = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `/v1/orgs/${kit.ctx.a.orgId}/billing/payment-methods`);
    expect(cards.json().data).toEqual([expect.objectContaining({ id: card, brand: 'visa', last4: '4242' })]);
    const res = await kit.pay(card, 'order-1', { description: 'Pro plan, December' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'succeeded', amount: 2_000, currency: 'usd', next_action: null });
    const id = res.json().id as string;
    // Whichever lands first, the API's answer or the event, the other finds the payment already succeeded.
    expect(await webhookOutcomes(id)).toEqual([expect.stringMatching(/^payment_intent\.succeeded:(stale|applied)$/)]);
    expect((await payment(id)).json().status).toBe('succeeded');
  });

  it('replays a retry with the same key, and refuses the key with another body or a missing key', async () => {
    const card = await kit.addCard('pm_card_mastercard');
    const first = await kit.pay(card, 'order-2');
    const again = await kit.pay(card, 'order-2');
    expect([again.statusCode, again.headers['idempotent-replayed'], again.json().id]).toEqual([
      201,
      'true',
      first.json().id,
    ]);
    const other = await kit.pay(card, 'order-2', { amount: 2_500 });
    expect([other.statusCode, other.json().code]).toEqual([400, 'billing.idempotency_conflict']);
    const missing = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `/v1/orgs/${kit.ctx.a.orgId}/billing/payments`, {
      payment_method_id: card,
      amount: 2_000,
      currency: 'usd',
    });
    expect([missing.statusCode, missing.json().code]).toEqual([400, 'billing.idempotency_key_required']);
  });

  it('asks for 3-D Secure, and the payment succeeds once the customer completes it (the webhook records it)', async () => {
    const card = await kit.addCard('pm_card_authenticationRequired');
    const res = await kit.pay(card, 'order-3ds');
    expect([res.statusCode, res.json().status]).toEqual([201, 'requires_action']);
    const url = res.json().next_action.url as string;
    expect(url.startsWith(`${kit.sandbox.url}/sandbox/authenticate/`)).toBe(true);
    const approve = await fetch(url, { method: 'POST', body: new URLSearchParams({ result: 'approve' }) });
    expect(approve.status).toBe(200);
    const id = res.json().id as string;
    expect(await webhookOutcomes(id)).toEqual([
      'payment_intent.requires_action:stale',
      'payment_intent.succeeded:applied',
    ]);
    expect((await payment(id)).json().status).toBe('succeeded');
  });

  it('records a decline (402 with the decline code) and refuses a card that declines on attach', async () => {
    const card = await kit.addCard('pm_card_chargeCustomerFail');
    const res = await kit.pay(card, 'order-declined');
    expect([res.statusCode, res.json().code, res.json().decline_code]).toEqual([
      402,
      'billing.card_declined',
      'generic_decline',
    ]);
    const stored = await payment(res.json().payment_id as string);
    expect(stored.json()).toMatchObject({ status: 'failed', decline_code: 'generic_decline' });
    const attach = await kit.ctx.call(
      kit.ctx.a.ownerKey,
      'POST',
      `/v1/orgs/${kit.ctx.a.orgId}/billing/payment-methods`,
      {
        token: 'pm_card_chargeDeclinedInsufficientFunds',
      },
    );
    expect([attach.statusCode, attach.json().decline_code]).toEqual([402, 'insufficient_funds']);
  });

  it('refuses an unknown card and bad amounts with 4xx naming the field', async () => {
    const unknown = await kit.pay('pmt_00000000000000000000000000', 'order-x');
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'billing.payment_method_not_found']);
    const card = await kit.addCard('pm_card_visa');
    const tiny = await kit.pay(card, 'order-y', { amount: 10 });
    expect([tiny.statusCode, tiny.json().issues?.[0]?.field]).toEqual([400, 'body.amount']);
    const currency = await kit.pay(card, 'order-z', { currency: 'US Dollars' });
    expect([currency.statusCode, currency.json().issues?.[0]?.field]).toEqual([400, 'body.currency']);
  });
});
