import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Attack: two partial refunds of one payment, sent at once with different keys, each fit what remains but together
// exceed it; without the payment row lock both would pass the check and refund more than was paid.
describe(`concurrent refunds over the payment (${backendName})`, () => {
  let kit: BillingKit;

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('lets one through and refuses the other with 409; the processor refunds only what was paid', async () => {
    const card = await kit.addCard('pm_card_visa');
    const payment = (await kit.pay(card, 'order-raced')).json().id as string;
    const url = `/v1/orgs/${kit.ctx.a.orgId}/billing/payments/${payment}/refunds`;
    const results = await Promise.all(
      ['race-1', 'race-2', 'race-3'].map((key) =>
        kit.ctx.call(kit.ctx.a.ownerKey, 'POST', url, { amount: 1_500 }, { 'idempotency-key': key }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    expect(results.filter((r) => r.statusCode === 409).map((r) => r.json().code)).toEqual([
      'billing.refund_exceeds_remaining',
      'billing.refund_exceeds_remaining',
    ]);
    const [sum] = await kit.testDb.superuser(
      'SELECT sum(amount)::int AS n FROM billing_refunds WHERE payment_id = $1',
      [payment],
    );
    expect(sum?.n).toBe(1_500);
  });
});
