import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../src/jobs/index.js';
import { DELIVER_JOB_KIND, WebhookDeliverer } from '../../src/modules/webhooks/index.js';
import { FieldCipher } from '../../src/platform/vault/index.js';
import { startBillingKit, type BillingKit } from '../billing/billing-kit.js';
import { backendName } from '../support/test-db.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

// Attack: server-side request forgery through a webhook endpoint: an org points its endpoint at the cloud metadata
// service, a private network, or Bulwark's own loopback services, either directly or through a host name that
// resolves there, so that Bulwark's node sends requests (and reports their status codes) on the attacker's behalf.
describe(`webhook endpoint SSRF (${backendName})`, () => {
  let kit: BillingKit;

  beforeAll(async () => {
    kit = await startBillingKit();
  }, 120_000);
  afterAll(async () => kit.close());

  it('refuses endpoint URLs on non-public addresses and plain http when private targets are not allowed', async () => {
    const url = `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`;
    for (const target of [
      'http://127.0.0.1:8080/hook',
      'https://127.0.0.1/hook',
      'https://10.0.0.5/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00::1]/hook',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'https://localhost/hook',
      'https://metadata.google.internal/computeMetadata',
      'http://hooks.example.com/plain-http',
      'https://user:pass@hooks.example.com/creds',
      'ftp://hooks.example.com/',
    ]) {
      const res = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', url, { url: target, event_types: ['billing.*'] });
      expect([target, res.statusCode, res.json().code]).toEqual([target, 400, 'webhooks.endpoint_url_invalid']);
      expect(res.json().issues).toEqual([expect.objectContaining({ field: 'url' })]);
    }
    const ok = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', url, {
      url: 'https://hooks.example.com/bulwark',
      event_types: ['billing.*'],
    });
    expect(ok.statusCode, ok.body).toBe(201);
    await kit.ctx.call(kit.ctx.a.ownerKey, 'DELETE', `${url}/${ok.json().id}`);
  });
});

// The same attack at delivery time: the endpoint was stored while private targets were allowed (or its name resolves
// to a private address only later, DNS rebinding). A node that does not allow them never connects.
describe(`webhook delivery to a name that resolves to a private address (${backendName})`, () => {
  let kit: BillingKit;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    kit = await startBillingKit({ BULWARK_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' });
    receiver = await startWebhookReceiver();
  }, 120_000);
  afterAll(async () => {
    await kit.close();
    await receiver.close();
  });

  it('does not connect, and records the refusal on the delivery', async () => {
    const url = `/v1/orgs/${kit.ctx.a.orgId}/webhook-endpoints`;
    const port = new URL(receiver.url).port;
    const ids: string[] = [];
    for (const target of [`http://localhost:${port}/hook`, `http://127.0.0.1:${port}/hook`]) {
      const res = await kit.ctx.call(kit.ctx.a.ownerKey, 'POST', url, { url: target, event_types: ['billing.*'] });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    const card = await kit.addCard('pm_card_visa');
    expect((await kit.pay(card, 'ssrf-order')).statusCode).toBe(201);
    // A strict node (private targets not allowed) runs the deliveries.
    const { db, audit } = kit.runtime.services;
    const strict = new WebhookDeliverer({
      db,
      audit,
      cipher: new FieldCipher({ vault: kit.runtime.vault, clock: kit.runtime.clock }),
      clock: kit.runtime.clock,
      rules: { allowPrivateTargets: false },
      timeoutMs: 2_000,
    });
    const runner = new JobRunner({
      db,
      clock: kit.runtime.clock,
      pollIntervalMs: 50,
      leaseMs: 30_000,
      batchSize: 8,
      retryBaseMs: 10_000,
      retryCapMs: 60_000,
    }).register(DELIVER_JOB_KIND, (job) => strict.deliver(job));
    await runner.drain();
    await strict.close();
    expect(receiver.received).toHaveLength(0);
    for (const id of ids) {
      const log = await kit.ctx.call(kit.ctx.a.ownerKey, 'GET', `${url}/${id}/deliveries`);
      const [delivery] = log.json().data;
      expect(delivery.status).toBe('pending');
      expect(delivery.attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          status_code: null,
          error: expect.stringMatching(/not a public address|resolves to a non-public address/),
        }),
      ]);
    }
  });
});
