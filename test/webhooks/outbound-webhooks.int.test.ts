import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingKit, type BillingKit } from '../billing/billing-kit.js';
import { backendName } from '../support/test-db.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './webhook-receiver.js';

const headersOf = (r: ReceivedWebhook) => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

// Outbound webhooks end to end: an org's endpoint hears of its payments, signed by the Standard Webhooks scheme
// (checked with the `standardwebhooks` reference library, an implementation apart from ours), retried until the
// receiver recovers, logged, and replayable.
describe(`outbound webhooks (${backendName})`, () => {
  let kit: BillingKit;
  let receiver: WebhookReceiver;
  let card: string;
  let endpointsUrl: string;

  beforeAll(async () => {
    kit = await startBillingKit({ BULWARK_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' });
    receiver = await startWebhookReceiver();
    card = await kit.addCard('pm_card_visa');
    endpointsUrl = `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`;
  }, 120_000);
  afterAll(async () => {
    await kit.close();
    await receiver.close();
  });

  const createEndpoint = async (eventTypes: string[]) => {
    const res = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', endpointsUrl, {
      url: receiver.url,
      event_types: eventTypes,
      description: 'orders service',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; secret: string };
  };
  const deliveries = async (endpointId: string) => {
    const res = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `${endpointsUrl}/${endpointId}/deliveries`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as {
      id: string;
      status: string;
      event_id: string;
      event_type: string;
      replay_of: string | null;
      attempts: { attempt: number; status_code: number | null }[];
    }[];
  };

  it('signs a payment event so an independent Standard Webhooks verifier accepts it, and rejects a tampered body', async () => {
    const endpoint = await createEndpoint(['billing.*']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    // The secret is shown once: the list never carries it.
    const list = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', endpointsUrl);
    expect(list.json().data).toEqual([
      expect.objectContaining({ id: endpoint.id, url: receiver.url, event_types: ['billing.*'] }),
    ]);
    expect(list.body).not.toContain(endpoint.secret);

    const paid = await kit.pay(card, 'order-signed');
    expect(paid.statusCode).toBe(201);
    await kit.runtime.jobs.drain();
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received as [ReceivedWebhook];
    const verifier = new Webhook(endpoint.secret);
    const payload = verifier.verify(request.body, headersOf(request)) as {
      type: string;
      timestamp: string;
      data: Record<string, unknown>;
    };
    expect(payload.type).toBe('billing.payment.succeeded');
    expect(payload.data).toMatchObject({ payment_id: paid.json().id, amount: 2_000, currency: 'usd' });
    expect(request.headers['content-type']).toBe('application/json');

    const tampered = request.body.replace('"amount":2000', '"amount":1');
    expect(tampered).not.toBe(request.body);
    expect(() => verifier.verify(tampered, headersOf(request))).toThrow(WebhookVerificationError);
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(24, 7).toString('base64')}`).verify(request.body, headersOf(request)),
    ).toThrow(WebhookVerificationError);
    const [delivery] = await deliveries(endpoint.id);
    expect(delivery).toMatchObject({ status: 'succeeded', event_type: 'billing.payment.succeeded' });
    expect(delivery?.attempts).toEqual([expect.objectContaining({ attempt: 1, status_code: 200 })]);
    await kit.ctx.call(kit.ctx.a.ownerKey, 'DELETE', `${endpointsUrl}/${endpoint.id}`);
  });

  it('retries with backoff until the receiver recovers, logging each attempt; a replay resends the same event', async () => {
    receiver.received.length = 0;
    const endpoint = await createEndpoint(['billing.payment.declined']);
    const declinedCard = await kit.addCard('pm_card_chargeCustomerFail');
    receiver.answerNext(500, 503);
    expect((await kit.pay(declinedCard, 'order-declined')).statusCode).toBe(402);
    await kit.runtime.jobs.drain();
    expect(receiver.received).toHaveLength(1);
    // Not due again before its backoff.
    await kit.runtime.jobs.drain();
    expect(receiver.received).toHaveLength(1);
    let [pending] = await deliveries(endpoint.id);
    expect(pending).toMatchObject({ status: 'pending', attempts: [expect.objectContaining({ status_code: 500 })] });

    kit.shiftClock(11); // past the first backoff (at most 10 s)
    await kit.runtime.jobs.drain();
    expect(receiver.received).toHaveLength(2);
    kit.shiftClock(21); // past the second (at most 20 s)
    await kit.runtime.jobs.drain();
    expect(receiver.received).toHaveLength(3);

    [pending] = await deliveries(endpoint.id);
    expect(pending?.status).toBe('succeeded');
    expect(pending?.attempts.map((a) => a.status_code)).toEqual([500, 503, 200]);
    // Every attempt is the same message (same webhook-id and body), signed afresh for its own timestamp.
    const verifier = new Webhook(endpoint.secret);
    for (const r of receiver.received) {
      expect(r.headers['webhook-id']).toBe(pending?.event_id);
      expect(r.body).toBe(receiver.received[0]?.body);
      const at = new Date(Number(r.headers['webhook-timestamp']) * 1000);
      expect(r.headers['webhook-signature']).toBe(verifier.sign(String(r.headers['webhook-id']), at, r.body));
    }
    expect(JSON.parse(receiver.received[0]?.body ?? '{}')).toMatchObject({
      type: 'billing.payment.declined',
      data: { decline_code: 'generic_decline' },
    });

    const replay = await kit.ctx.call(
      kit.ctx.a.ownerKey,
      'POST',
      `${endpointsUrl}/${endpoint.id}/deliveries/${pending?.id}/replay`,
    );
    expect(replay.statusCode, replay.body).toBe(202);
    expect(replay.json()).toMatchObject({ replay_of: pending?.id, status: 'pending', event_id: pending?.event_id });
    await kit.runtime.jobs.drain();
    expect(receiver.received).toHaveLength(4);
    expect(receiver.received[3]?.headers['webhook-id']).toBe(pending?.event_id);
    expect(receiver.received[3]?.body).toBe(receiver.received[0]?.body);
    const log = await deliveries(endpoint.id);
    expect(log.map((d) => [d.status, d.replay_of])).toEqual([
      ['succeeded', pending?.id],
      ['succeeded', null],
    ]);
    const audit = await kit.testDb.superuser(
      `SELECT action FROM audit_events WHERE org_id = $1 AND action LIKE 'webhooks.%' ORDER BY seq`,
      [kit.ctx.a.orgId],
    );
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['webhooks.endpoint.created', 'webhooks.endpoint.deleted', 'webhooks.delivery.replayed']),
    );
  });

  it('sends nothing to an endpoint not subscribed to the event, nor to a deleted one', async () => {
    receiver.received.length = 0;
    const other = await createEndpoint(['dispute.*', 'alert.*']);
    expect((await kit.pay(card, 'order-unsubscribed')).statusCode).toBe(201);
    await kit.runtime.jobs.drain();
    expect(receiver.received).toHaveLength(0);
    expect(await deliveries(other.id)).toEqual([]);
  });
});
