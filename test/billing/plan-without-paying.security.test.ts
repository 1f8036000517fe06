import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalPaymentKey } from '../../src/modules/billing/payments/internal-payment-key.js';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// The attacks: a member with `bill:payments` (finance) gets a paid plan without paying for it, by replaying the
// Idempotency-Key of an upgrade already paid after downgrading, by paying a cancelled change's 3-D Secure later, or
// by claiming the key of a charge Bulwark makes itself (a renewal) first so that it replays the attacker's charge.
describe(`getting a paid plan without paying for it (${backendName})`, () => {
  let kit: BillingKit;
  let finance: string;
  const billing = () => `/v1/orgs/${kit.ctx.a.orgId}/billing`;
  const call = (method: 'GET' | 'POST', path: string, body?: unknown, key?: string) =>
    kit.ctx.call(finance, method, `${billing()}${path}`, body, key ? { 'idempotency-key': key } : {});
  const paymentCount = async () => ((await call('GET', '/payments')).json().data as unknown[]).length;

  beforeAll(async () => {
    kit = await startBillingKit();
    const minted = await kit.mintKey('finance', ['read:billing', 'bill:payments']);
    expect(minted.statusCode).toBe(201);
    finance = minted.json().secret as string;
  }, 120_000);
  afterAll(async () => kit.close());

  it('no card: no paid plan', async () => {
    const res = await call('POST', '/subscription', { plan: 'enterprise' }, 'no-card');
    expect([res.statusCode, res.json().code]).toEqual([409, 'billing.card_required']);
    expect(await paymentCount()).toBe(0);
  });

  it("replaying a paid upgrade's key after a downgrade answers the old answer and changes nothing", async () => {
    const card = await kit.addCard('pm_card_visa');
    const up = await call('POST', '/subscription', { plan: 'enterprise', payment_method_id: card }, 'paid-up');
    expect(up.json().charge).toMatchObject({ status: 'succeeded', amount: 49_900 });
    const down = await call('POST', '/subscription', { plan: 'free' }, 'down');
    expect(down.json()).toMatchObject({ plan: 'free' });
    const replay = await call('POST', '/subscription', { plan: 'enterprise', payment_method_id: card }, 'paid-up');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await call('GET', '/subscription')).json()).toMatchObject({ plan: 'free', entitlements: { plan: 'free' } });
    // Back up from Free is a new period, paid in full again.
    const again = await call('POST', '/subscription', { plan: 'enterprise' }, 'paid-up-2');
    expect(again.json().charge).toMatchObject({ status: 'succeeded', amount: 49_900 });
    expect(await paymentCount()).toBe(2);
  });

  it('a change cancelled while its 3-D Secure waits is not applied when the payment completes later', async () => {
    await call('POST', '/subscription/cancel');
    const card = await kit.addCard('pm_card_authenticationRequired');
    const res = await call('POST', '/subscription', { plan: 'pro', payment_method_id: card }, 'sca-then-cancel');
    expect([res.statusCode, res.json().pending_plan]).toEqual([202, 'pro']);
    const canceled = await call('POST', '/subscription/cancel');
    expect(canceled.json()).toMatchObject({ status: 'canceled', pending_plan: null });
    const approve = await fetch(res.json().next_action.url as string, {
      method: 'POST',
      body: new URLSearchParams({ result: 'approve' }),
    });
    expect(approve.status).toBe(200);
    await kit.delivered();
    expect((await call('GET', '/subscription')).json()).toMatchObject({
      status: 'canceled',
      entitlements: { plan: 'free' },
    });
  });

  it("a renewal's charge key cannot be sent as an Idempotency-Key, so no caller can claim it first", async () => {
    const { key } = internalPaymentKey('renewal', 'sub_x\n2026-01-01T00:00:00.000Z', { plan: 'pro' });
    const card = await kit.addCard('pm_card_visa');
    const res = await kit.pay(card, key, {}, finance);
    expect([res.statusCode, res.json().code]).toEqual([400, 'http.bad_request']);
    expect(res.json().issues).toEqual([{ field: 'header.idempotency-key', message: 'invalid' }]);
  });
});
