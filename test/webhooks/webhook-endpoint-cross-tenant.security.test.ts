import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingKit, type BillingKit } from '../billing/billing-kit.js';
import { backendName } from '../support/test-db.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

// Attack: another org lists, reads the delivery log of, deletes or replays org A's webhook endpoints (to learn where
// A's events go, read their payloads, or silence them); a developer points A's events at a server of their own; the
// signing secret is read back from the API or the database.
describe(`webhook endpoints across tenants and roles (${backendName})`, () => {
  let kit: BillingKit;
  let receiver: WebhookReceiver;
  let endpoint: { id: string; secret: string };
  let deliveryId: string;

  beforeAll(async () => {
    kit = await startBillingKit({ BULWARK_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' });
    receiver = await startWebhookReceiver();
    const created = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`, {
      url: receiver.url,
      event_types: ['billing.*'],
    });
    expect(created.statusCode, created.body).toBe(201);
    endpoint = created.json();
    const card = await kit.addCard('pm_card_visa');
    expect((await kit.pay(card, 'cross-tenant-order')).statusCode).toBe(201);
    await kit.runtime.jobs.drain();
    const log = await kit.ctx.call(
      kit.ctx.a.ownerKey,
      'GET',
      `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints/${endpoint.id}/deliveries`,
    );
    deliveryId = log.json().data[0].id;
  }, 120_000);
  afterAll(async () => {
    await kit.close();
    await receiver.close();
  });

  it("answers 404 to another org for A's endpoint, its deliveries, its deletion and replay", async () => {
    const b = kit.ctx.b;
    const own = `/v1/orgs/${b.orgId}/webhook-endpoints`;
    const list = await kit.ctx.call(b.ownerKey, 'GET', own);
    expect(list.statusCode).toBe(200);
    expect(list.json().data).toEqual([]);
    for (const [method, path] of [
      ['GET', `${own}/${endpoint.id}/deliveries`],
      ['DELETE', `${own}/${endpoint.id}`],
      ['POST', `${own}/${endpoint.id}/deliveries/${deliveryId}/replay`],
    ] as const) {
      const res = await kit.ctx.call(b.ownerKey, method, path);
      expect([method, res.statusCode, res.json().code]).toEqual([method, 404, 'webhooks.endpoint_not_found']);
    }
    // B's key on A's path is refused at the tenant boundary.
    const foreign = await kit.ctx.call(b.ownerKey, 'GET', `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`);
    expect(foreign.statusCode).toBe(404);
    // A's endpoint is intact and still receives.
    const mine = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`);
    expect(mine.json().data.map((e: { id: string }) => e.id)).toEqual([endpoint.id]);
  });

  it('refuses a developer key to create, list or delete endpoints', async () => {
    const developer = (await kit.mintKey('developer', ['read:org', 'read:usage'])).json().secret as string;
    const url = `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`;
    const created = await kit.ctx.call(developer, 'POST', url, { url: receiver.url, event_types: ['billing.*'] });
    expect(created.statusCode).toBe(403);
    expect((await kit.ctx.call(developer, 'GET', url)).statusCode).toBe(403);
    expect((await kit.ctx.call(developer, 'DELETE', `${url}/${endpoint.id}`)).statusCode).toBe(403);
  });

  it('never returns the secret again and stores it only encrypted', async () => {
    const list = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`);
    expect(list.body).not.toContain(endpoint.secret);
    const rows = await kit.testDb.superuser('SELECT secret_ciphertext FROM webhook_endpoints WHERE id = $1', [
      endpoint.id,
    ]);
    const stored = String(rows[0]?.secret_ciphertext);
    expect(stored).toMatch(/^bwf1\./);
    expect(stored).not.toContain(endpoint.secret.slice('whsec_'.length));
  });
});
