import Stripe from 'stripe';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/clock.js';
import { startSandboxProcessor, type SandboxProcessor } from '../../src/modules/billing/index.js';

const SECRET_KEY = 'sk_test_sandbox_0123456789';
const WEBHOOK_SECRET = 'whsec_sandbox_test_secret';

// The real `stripe` SDK pointed at the sandbox: each documented test card behaves as Stripe documents it, errors come
// back as the SDK's own exception classes, and every state change arrives as a signed webhook the SDK verifies.
describe('the official stripe SDK against the sandbox processor', () => {
  let sandbox: SandboxProcessor;
  let stripe: Stripe;
  let receiver: Server;
  const received: { signature: string; body: string }[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ signature: String(request.headers['stripe-signature']), body });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    if (address === null || typeof address === 'string') throw new Error('no receiver address');
    sandbox = await startSandboxProcessor({
      secretKey: SECRET_KEY,
      clock: systemClock,
      webhooks: [{ url: `http://127.0.0.1:${address.port}/hook`, secret: WEBHOOK_SECRET }],
    });
    stripe = new Stripe(SECRET_KEY, { host: sandbox.host, port: sandbox.port, protocol: 'http' });
  });
  afterAll(async () => {
    await sandbox.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const customer = () => stripe.customers.create({ email: 'buyer@example.com', metadata: { org: 'org_test' } });

  /** The verified events of the given types about `objectId`, in arrival order. */
  async function eventsAbout(objectId: string): Promise<Stripe.Event[]> {
    await sandbox.webhooks.settled();
    return received
      .map((r) => stripe.webhooks.constructEvent(r.body, r.signature, WEBHOOK_SECRET))
      .filter((e) => (e.data.object as { id?: string }).id === objectId);
  }

  it('charges pm_card_visa: the payment intent succeeds with a charge, announced by signed webhooks', async () => {
    const c = await customer();
    const pi = await stripe.paymentIntents.create({
      amount: 2_000,
      currency: 'usd',
      customer: c.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { invoice: 'inv_1' },
    });
    expect([pi.status, pi.amount_received, typeof pi.latest_charge]).toEqual(['succeeded', 2_000, 'string']);
    expect((await eventsAbout(pi.id)).map((e) => e.type)).toEqual([
      'payment_intent.created',
      'payment_intent.succeeded',
    ]);
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedFraudulent', 'card_declined', 'fraudulent'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', 'incorrect_cvc'],
  ])('declines %s with StripeCardError %s / %s', async (pm, code, declineCode) => {
    const error = await stripe.paymentIntents
      .create({ amount: 1_000, currency: 'eur', payment_method: pm, confirm: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const card = error as Stripe.errors.StripeCardError;
    expect([card.statusCode, card.code, card.decline_code]).toEqual([402, code, declineCode]);
    expect(card.payment_intent?.status).toBe('requires_payment_method');
  });

  it('attaches pm_card_chargeCustomerFail, then declines its charge; pm_card_chargeDeclined fails on attach', async () => {
    const c = await customer();
    const pm = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: c.id });
    expect([pm.customer, pm.card?.last4]).toEqual([c.id, '0341']);
    await expect(
      stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        customer: c.id,
        payment_method: pm.id,
        confirm: true,
      }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    await expect(stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: c.id })).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
    });
  });

  it('asks pm_card_authenticationRequired for 3D Secure and succeeds only once the customer completes it', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 4_200,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
    });
    expect(pi.status).toBe('requires_action');
    const url = pi.next_action?.redirect_to_url?.url;
    expect(url).toBe(`${sandbox.url}/sandbox/authenticate/${pi.id}`);
    const page = await fetch(String(url));
    expect(await page.text()).toContain('Complete authentication');
    const done = await fetch(String(url), { method: 'POST', body: new URLSearchParams({ result: 'approve' }) });
    expect(done.status).toBe(200);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });

  it('off session, a card that needs 3D Secure fails with authentication_required', async () => {
    const error = await stripe.paymentIntents
      .create({
        amount: 900,
        currency: 'usd',
        payment_method: 'pm_card_authenticationRequired',
        confirm: true,
        off_session: true,
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'StripeCardError', code: 'authentication_required' });
  });

  it('tokenizes 4000 0084 0000 1629 on the hosted page: 3D Secure passes, then the charge is declined', async () => {
    const form = await fetch(`${sandbox.url}/sandbox/tokenize`, {
      method: 'POST',
      body: new URLSearchParams({ number: '4000 0084 0000 1629', exp: '12/34', cvc: '123' }),
    });
    const token = (await form.json()) as { id: string; card: { last4: string } };
    expect(token.card.last4).toBe('1629');
    const pi = await stripe.paymentIntents.create({
      amount: 700,
      currency: 'usd',
      payment_method: token.id,
      confirm: true,
    });
    expect(pi.status).toBe('requires_action');
    await fetch(`${sandbox.url}/sandbox/authenticate/${pi.id}`, {
      method: 'POST',
      body: new URLSearchParams({ result: 'approve' }),
    });
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect([after.status, after.last_payment_error?.code]).toEqual(['requires_payment_method', 'card_declined']);
    // A number that is not a documented test card is refused: the sandbox never takes a real card.
    const real = await fetch(`${sandbox.url}/sandbox/tokenize`, {
      method: 'POST',
      body: new URLSearchParams({ number: '4111 1111 1111 1111' }),
    });
    expect(real.status).toBe(400);
  });

  it('replays the first answer to an idempotency key, and refuses the key with other parameters', async () => {
    const params = { amount: 1_234, currency: 'usd', payment_method: 'pm_card_visa', confirm: true };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'order-77' });
    const again = await stripe.paymentIntents.create(params, { idempotencyKey: 'order-77' });
    expect(again.id).toBe(first.id);
    await expect(
      stripe.paymentIntents.create({ ...params, amount: 999 }, { idempotencyKey: 'order-77' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('refunds part then the rest, and refuses more than was charged', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 3_000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect((await stripe.refunds.create({ payment_intent: pi.id, amount: 1_000 })).status).toBe('succeeded');
    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 2_500 })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    await stripe.refunds.create({ payment_intent: pi.id });
    const charge = await stripe.charges.retrieve(String(pi.latest_charge));
    expect([charge.amount_refunded, charge.refunded]).toEqual([3_000, true]);
  });

  it('disputes pm_card_createDispute; submitted winning evidence closes it as won', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 5_000,
      currency: 'usd',
      payment_method: 'pm_card_createDispute',
      confirm: true,
    });
    await sandbox.webhooks.settled();
    const created = received
      .map((r) => stripe.webhooks.constructEvent(r.body, r.signature, WEBHOOK_SECRET))
      .find((e) => e.type === 'charge.dispute.created' && (e.data.object as Stripe.Dispute).payment_intent === pi.id);
    const dispute = created?.data.object as Stripe.Dispute;
    expect(dispute.status).toBe('needs_response');
    const staged = await stripe.disputes.update(dispute.id, { evidence: { access_activity_log: 'logins…' } });
    expect(staged.status).toBe('needs_response');
    const submitted = await stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'winning_evidence' },
      submit: true,
    });
    expect(submitted.status).toBe('won');
    expect((await eventsAbout(dispute.id)).map((e) => e.type)).toEqual([
      'charge.dispute.created',
      'charge.dispute.updated',
      'charge.dispute.updated',
      'charge.dispute.closed',
    ]);
  });

  it('answers a wrong key with StripeAuthenticationError and an unknown id with StripeInvalidRequestError', async () => {
    const wrong = new Stripe('sk_test_wrong', { host: sandbox.host, port: sandbox.port, protocol: 'http' });
    await expect(wrong.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    await expect(stripe.paymentIntents.retrieve('pi_nope')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
    });
    await expect(
      stripe.paymentIntents.create({ amount: -5, currency: 'usd' } as Stripe.PaymentIntentCreateParams),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: 'amount' });
  });
});
