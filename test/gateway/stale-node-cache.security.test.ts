import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoOrgs } from '../api/api-client.js';
import type { FakeUpstream } from '../support/fake-upstreams/fake-upstream.js';
import { startOpenAiFake } from '../support/fake-upstreams/openai-fake.js';
import { afterCachePushBound, backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';

// Attack: keep using what another node has cached after an administrator changed it. Node B resolves models and routes
// and meters calls from per-node caches; node A deletes a model, moves a route, rotates a provider's upstream and
// lowers the budget. Every change must apply on node B's first request after the stated bound (`cachePushBoundMs`,
// which each test waits out), because each change bumps the org's cache generation, the database pushes the bump to B
// (or B reads it when the push is not that fresh), and B trusts a cached entry only under the generation it holds.
describe(`a node never serves a model, route or limit another node changed (${backendName})`, () => {
  let a: TestServer;
  let b: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let first: FakeUpstream;
  let second: FakeUpstream;
  let providerId: string;

  const orgPath = (rest: string) => `/v1/orgs/${ctx.a.orgId}${rest}`;
  const onA = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers = {}) =>
    ctx.call(ctx.a.ownerKey, method, url, body, headers);
  const chatOnB = async (model: string) => {
    const res = await b.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${ctx.a.ownerKey}`, 'content-type': 'application/json' },
      payload: { model, messages: [{ role: 'user', content: 'Name a colour.' }] },
    });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };
  const contentOf = (body: Record<string, unknown>) =>
    (body.choices as { message: { content: string } }[] | undefined)?.[0]?.message.content ?? '';

  beforeAll(async () => {
    a = await createTestServer();
    ctx = await twoOrgs(a.app, a.runtime.bootstrap?.secret ?? '');
    b = await createTestServer({ sameDatabaseAs: a });
    first = await startOpenAiFake({ replyPrefix: 'first: ' });
    second = await startOpenAiFake({ replyPrefix: 'second: ' });
    const provider = await onA('POST', orgPath('/gateway/providers'), {
      name: 'self-hosted',
      kind: 'openai-compatible',
      base_url: `${first.url}/v1`,
    });
    expect(provider.statusCode, provider.body).toBe(201);
    providerId = provider.json().id as string;
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await first?.close();
    await second?.close();
  });

  it("a deleted model is not found on the other node's first request after the bound", async () => {
    const model = await onA('POST', orgPath('/gateway/models'), {
      name: 'doomed-chat',
      region: 'eu',
      targets: [{ provider_id: providerId, upstream_model: 'llama3' }],
    });
    expect(model.statusCode, model.body).toBe(201);
    expect((await chatOnB('doomed-chat')).status).toBe(200);
    expect((await chatOnB('doomed-chat')).status).toBe(200);
    expect((await onA('DELETE', orgPath(`/gateway/models/${model.json().id as string}`))).statusCode).toBe(204);
    await afterCachePushBound();
    const after = await chatOnB('doomed-chat');
    expect(after.status).toBe(404);
    expect(after.body).toMatchObject({ error: { code: 'model_not_found' } });
  });

  it("a route's new version and a provider's new base URL apply on the other node's first request after the bound", async () => {
    const other = await onA('POST', orgPath('/gateway/providers'), {
      name: 'other-host',
      kind: 'openai-compatible',
      base_url: `${second.url}/v1`,
    });
    expect(other.statusCode, other.body).toBe(201);
    const otherId = other.json().id as string;
    for (const [name, provider] of [
      ['left-chat', providerId],
      ['right-chat', otherId],
    ] as const) {
      const res = await onA('POST', orgPath('/gateway/models'), {
        name,
        region: 'eu',
        targets: [{ provider_id: provider, upstream_model: 'llama3' }],
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const route = await onA('POST', '/v1/model-routes', {
      name: 'switchable',
      targets: [{ model: 'left-chat', weight: 100 }],
    });
    expect(route.statusCode, route.body).toBe(201);
    const before = await chatOnB('switchable');
    expect(before.status).toBe(200);
    expect(contentOf(before.body)).toMatch(/^first: /);
    const moved = await onA(
      'POST',
      '/v1/model-routes/switchable/versions',
      { targets: [{ model: 'right-chat', weight: 100 }] },
      { 'if-match': route.headers.etag as string },
    );
    expect(moved.statusCode, moved.body).toBe(201);
    await afterCachePushBound();
    const after = await chatOnB('switchable');
    expect(after.status).toBe(200);
    expect(contentOf(after.body)).toMatch(/^second: /);

    const rebased = await onA('PATCH', orgPath(`/gateway/providers/${otherId}`), { base_url: `${first.url}/v1` });
    expect(rebased.statusCode, rebased.body).toBe(200);
    await afterCachePushBound();
    const rerouted = await chatOnB('switchable');
    expect(rerouted.status).toBe(200);
    expect(contentOf(rerouted.body)).toMatch(/^first: /);
  });

  it("a lowered budget refuses the other node's first call after the bound", async () => {
    expect((await chatOnB('bulwark-local-chat')).status).toBe(200);
    const limits = await onA('GET', orgPath('/gateway/limits'));
    const lowered = await onA(
      'PUT',
      orgPath('/gateway/limits'),
      { budget: { monthly_micros: 1 } },
      { 'if-match': String(limits.headers.etag) },
    );
    expect(lowered.statusCode, lowered.body).toBe(200);
    await afterCachePushBound();
    const refused = await chatOnB('bulwark-local-chat');
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ error: { code: 'gateway.budget_exceeded' } });
  });
});
