import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twoOrgs } from '../api/api-client.js';
import type { FakeUpstream } from '../support/fake-upstreams/fake-upstream.js';
import { startOpenAiFake } from '../support/fake-upstreams/openai-fake.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';

// Attack: keep a tenant's upstream failing so every gateway request waits on it (retries, timeouts), or make one
// tenant's failures open the circuit of another tenant's traffic. The chat route runs each provider target behind a
// circuit keyed by org, connection and upstream model: after repeated failures it answers at once without calling
// the upstream, and only for that org.
describe(`a failing upstream opens its circuit on the gateway route, for its org only (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let upstream: FakeUpstream;

  const connect = async (key: string, orgId: string) => {
    const provider = await ctx.call(key, 'POST', `/v1/orgs/${orgId}/gateway/providers`, {
      name: 'flaky',
      kind: 'openai-compatible',
      base_url: `${upstream.url}/v1`,
    });
    expect(provider.statusCode, provider.body).toBe(201);
    const model = await ctx.call(key, 'POST', `/v1/orgs/${orgId}/gateway/models`, {
      name: 'flaky-chat',
      region: 'eu',
      targets: [{ provider_id: provider.json().id, upstream_model: 'llama3' }],
    });
    expect(model.statusCode, model.body).toBe(201);
  };
  const chat = (key: string) =>
    ctx.call(key, 'POST', '/v1/chat/completions', {
      model: 'flaky-chat',
      messages: [{ role: 'user', content: 'What is a good name for a turtle?' }],
    });

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    upstream = await startOpenAiFake({ replyPrefix: 'up: ' });
    await connect(ctx.a.ownerKey, ctx.a.orgId);
    await connect(ctx.b.ownerKey, ctx.b.orgId);
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await upstream.close();
  });

  it('answers gateway.circuit_open without calling the upstream once it has failed enough, and not for org B', async () => {
    upstream.failNext(...Array.from({ length: 200 }, () => ({ kind: 'status' as const, status: 500 })));
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) codes.push((await chat(ctx.a.ownerKey)).json().error.code);
    expect(codes.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => 'gateway.provider_error'));
    expect(codes.at(-1)).toBe('gateway.circuit_open');

    const seen = upstream.requests.length;
    const refused = await chat(ctx.a.ownerKey);
    expect([refused.statusCode, refused.json().error.code]).toEqual([503, 'gateway.circuit_open']);
    expect(upstream.requests.length).toBe(seen);

    // B's circuit for the same upstream is its own: B's request still reaches it.
    const other = await chat(ctx.b.ownerKey);
    expect(other.json().error.code).toBe('gateway.provider_error');
    expect(upstream.requests.length).toBeGreaterThan(seen);
  });

  it('a stream falls back to the next target when the first fails before its first chunk', async () => {
    const backup = await startOpenAiFake({ replyPrefix: 'backup: ' });
    try {
      const as = (method: 'GET' | 'POST', url: string, body?: unknown) =>
        ctx.call(ctx.b.ownerKey, method, `/v1/orgs/${ctx.b.orgId}/gateway${url}`, body);
      const flaky = (await as('GET', '/providers')).json().data[0].id as string;
      const spare = await as('POST', '/providers', {
        name: 'spare',
        kind: 'openai-compatible',
        base_url: `${backup.url}/v1`,
      });
      const model = await as('POST', '/models', {
        name: 'chained-chat',
        region: 'eu',
        targets: [
          { provider_id: flaky, upstream_model: 'chained' },
          { provider_id: spare.json().id, upstream_model: 'llama3' },
        ],
      });
      expect(model.statusCode, model.body).toBe(201);
      const res = await ctx.call(ctx.b.ownerKey, 'POST', '/v1/chat/completions', {
        model: 'chained-chat',
        stream: true,
        messages: [{ role: 'user', content: 'What is a good name for a turtle?' }],
      });
      expect(res.statusCode, res.body).toBe(200);
      const text = res.body
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? '')
        .join('');
      expect(text).toContain('backup: ');
      expect(backup.requests).toHaveLength(1);
    } finally {
      await backup.close();
    }
  });
});
