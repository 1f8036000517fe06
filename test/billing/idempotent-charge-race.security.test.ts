import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectFailure } from '../support/inject-failure.js';
import { backendName } from '../support/test-db.js';
import { startBillingKit, type BillingKit } from './billing-kit.js';

// Attack (or a retry storm): 1,000 concurrent charge requests with one Idempotency-Key, hoping two of them pass the
// "key unused" check before either is recorded. Exactly one charge reaches the processor; every other request is
// told the charge is in progress (409) or gets the first answer replayed.
describe(`1,000 concurrent charges with one idempotency key (${backendName})`, () => {
  let kit: BillingKit;

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('makes exactly one charge at the processor', async () => {
    const card = await kit.addCard('pm_card_visa');
    const responses = await Promise.all(Array.from({ length: 1_000 }, () => kit.pay(card, 'storm-key')));
    const statuses = responses.map((r) => r.statusCode);
    expect(
      statuses.filter((s) => s !== 201 && s !== 409),
      JSON.stringify([...new Set(statuses)]),
    ).toEqual([]);
    const created = responses.filter((r) => r.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.json().id as string)).size).toBe(1);
    for (const r of responses.filter((x) => x.statusCode === 409))
      expect(r.json().code).toBe('billing.idempotency_in_progress');

    await kit.delivered();
    const charges = kit.sandbox.webhooks.list().filter((e) => e.type === 'charge.succeeded');
    expect(charges).toHaveLength(1);
    const rows = await kit.testDb.superuser(
      "SELECT count(*)::int AS n FROM billing_payments WHERE idempotency_key = 'storm-key'",
    );
    expect(rows[0]?.n).toBe(1);
    // A retry after the storm gets the one charge replayed.
    const retry = await kit.pay(card, 'storm-key');
    expect([retry.statusCode, retry.headers['idempotent-replayed'], retry.json().id]).toEqual([
      201,
      'true',
      created[0]?.json().id,
    ]);
  }, 300_000);
});

// Fault: the charge went through at the processor, then recording it failed (the database refused its audit event).
// The retry with the same key must get that very charge back, never make a second one.
describe(`a charge whose recording failed, retried (${backendName})`, () => {
  let kit: BillingKit;

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('leaves a released pending claim, and the retry finishes it with the same processor charge', async () => {
    const card = await kit.addCard('pm_card_visa');
    // The processor's own webhook of the charge would record it too, racing the check below: it waits meanwhile.
    const releaseWebhooks = kit.sandbox.webhooks.hold();
    const restore = await injectFailure(
      kit.testDb,
      'audit_events',
      'INSERT',
      "NEW.action = 'billing.payment.succeeded'",
    );
    const failed = await kit.pay(card, 'crash-key');
    await restore();
    expect([failed.statusCode >= 500, failed.body.slice(0, 300)]).toEqual([true, failed.body.slice(0, 300)]);
    const [claim] = await kit.testDb.superuser(
      "SELECT status, intent_ciphertext, claimed_at < now() - interval '1 hour' AS released FROM billing_payments WHERE idempotency_key = 'crash-key'",
    );
    expect(claim).toEqual({ status: 'pending', intent_ciphertext: null, released: true });
    releaseWebhooks();

    const retry = await kit.pay(card, 'crash-key');
    expect([retry.statusCode, retry.json().status, retry.body.slice(0, 300)]).toEqual([
      201,
      'succeeded',
      retry.body.slice(0, 300),
    ]);
    await kit.delivered();
    const charges = kit.sandbox.webhooks
      .list()
      .filter((e) => e.type === 'charge.succeeded' && JSON.stringify(e).includes(retry.json().id as string));
    expect(charges).toHaveLength(1);
  }, 120_000);
});
