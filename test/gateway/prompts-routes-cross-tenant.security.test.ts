import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { twoOrgs } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';

// Attack: from org B, read, change, roll back or use org A's prompts and routes (by their real names, guessed names
// and version numbers), and point a route of B's at A's models or A's provider connection.
describe(`prompts and model routes stay in their org (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let providerA: string;
  const SECRET_TEMPLATE = 'A-ONLY system prompt: the launch code is {{code}}';

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    const a = ctx.a;
    providerA = (
      await ctx.call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/gateway/providers`, {
        name: 'upstream',
        kind: 'openai-compatible',
        base_url: 'http://127.0.0.1:9/v1',
      })
    ).json().id;
    const model = await ctx.call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/gateway/models`, {
      name: 'a-private-model',
      region: 'eu',
      targets: [{ provider_id: providerA, upstream_model: 'm' }],
    });
    expect(model.statusCode, model.body).toBe(201);
    const prompt = await ctx.call(a.ownerKey, 'POST', '/v1/prompts', {
      name: 'support',
      template: SECRET_TEMPLATE,
      variables: [{ name: 'code' }],
    });
    expect(prompt.statusCode, prompt.body).toBe(201);
    const other = await ctx.call(a.ownerKey, 'POST', '/v1/prompts', {
      name: 'a-only',
      template: SECRET_TEMPLATE.replace('{{code}}', '42'),
    });
    expect(other.statusCode, other.body).toBe(201);
    const route = await ctx.call(a.ownerKey, 'POST', '/v1/model-routes', {
      name: 'a-route',
      targets: [
        { model: 'a-private-model', weight: 90 },
        { model: 'bulwark-local-chat', weight: 10 },
      ],
    });
    expect(route.statusCode, route.body).toBe(201);
  }, 120_000);
  afterAll(async () => server.close());

  it("cannot read A's prompts or routes under any name or version", async () => {
    const b = ctx.b.ownerKey;
    for (const url of [
      '/v1/prompts/support',
      '/v1/prompts/support/versions',
      '/v1/prompts/support/versions/1',
      '/v1/prompts/support/diff?from=1&to=1',
      '/v1/model-routes/a-route',
      '/v1/model-routes/a-route/versions',
      '/v1/model-routes/a-route/versions/1',
      '/v1/model-routes/a-route/shadow-comparisons',
    ]) {
      const res = await ctx.call(b, 'GET', url);
      expect(`${url} -> ${res.statusCode}`).toBe(`${url} -> 404`);
      expect(res.body).not.toContain('A-ONLY');
    }
    const lists = [await ctx.call(b, 'GET', '/v1/prompts'), await ctx.call(b, 'GET', '/v1/model-routes')];
    for (const list of lists) expect(list.json().data).toEqual([]);
    const models = await ctx.call(b, 'GET', '/v1/models');
    expect(models.body).not.toContain('a-route');
  });

  it("cannot add versions to, roll back or take the names of A's prompts and routes to reach them", async () => {
    const b = ctx.b.ownerKey;
    const attempts = [
      await ctx.call(b, 'POST', '/v1/prompts/support/versions', { template: 'mine' }, { 'if-match': '"v1"' }),
      await ctx.call(b, 'POST', '/v1/prompts/support/rollback', { version: 1 }),
      await ctx.call(
        b,
        'POST',
        '/v1/model-routes/a-route/versions',
        { targets: [{ model: 'bulwark-local-chat', weight: 100 }] },
        { 'if-match': '"v1"' },
      ),
      await ctx.call(b, 'POST', '/v1/model-routes/a-route/rollback', { version: 1 }),
    ];
    expect(attempts.map((r) => r.statusCode)).toEqual([404, 404, 404, 404]);
    // B may have its own prompt of the same name: it is B's, and A's is unchanged.
    const own = await ctx.call(b, 'POST', '/v1/prompts', { name: 'support', template: 'B prompt' });
    expect(own.statusCode, own.body).toBe(201);
    const aView = await ctx.call(ctx.a.ownerKey, 'GET', '/v1/prompts/support');
    expect(aView.json()).toMatchObject({ version: 1, template: SECRET_TEMPLATE });
  });

  it("cannot use A's prompt or route in a chat request", async () => {
    const b = ctx.b.ownerKey;
    const viaPrompt = await ctx.call(b, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: 'hi' }],
      bulwark: { prompt: { name: 'a-only' } },
    });
    expect(viaPrompt.statusCode).toBe(404);
    expect(viaPrompt.json().error.code).toBe('gateway.prompt_not_found');
    expect(viaPrompt.body).not.toContain('A-ONLY');
    const viaRoute = await ctx.call(b, 'POST', '/v1/chat/completions', {
      model: 'a-route',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(viaRoute.statusCode).toBe(404);
    expect(viaRoute.json().error.code).toBe('model_not_found');
  });

  it("cannot point a route at A's model or A's provider connection", async () => {
    const b = ctx.b.ownerKey;
    const atModel = await ctx.call(b, 'POST', '/v1/model-routes', {
      name: 'b-route',
      targets: [{ model: 'a-private-model', weight: 100 }],
    });
    expect(atModel.statusCode).toBe(400);
    expect(atModel.json()).toMatchObject({ code: 'gateway.route_invalid' });
    const asShadow = await ctx.call(b, 'POST', '/v1/model-routes', {
      name: 'b-route',
      targets: [{ model: 'bulwark-local-chat', weight: 100 }],
      shadow: { model: 'a-private-model' },
    });
    expect(asShadow.statusCode).toBe(400);
    // A target is a model of the org by name; a connection id is no target at all, and an org model of B's cannot
    // be built on A's connection either.
    const atConnection = await ctx.call(b, 'POST', '/v1/model-routes', {
      name: 'b-route',
      targets: [{ model: 'bulwark-local-chat', weight: 100, provider_id: providerA }],
    });
    expect(atConnection.statusCode).toBe(400);
    const modelOnA = await ctx.call(b, 'POST', `/v1/orgs/${ctx.b.orgId}/gateway/models`, {
      name: 'b-model',
      region: 'eu',
      targets: [{ provider_id: providerA, upstream_model: 'm' }],
    });
    expect(modelOnA.statusCode).toBe(400);
    const routes = await server.testDb.superuser('SELECT count(*)::int AS n FROM gateway_routes WHERE org_id = $1', [
      ctx.b.orgId,
    ]);
    expect(routes).toEqual([{ n: 0 }]);
  });

  it("leaves A's audit chain intact and records nothing of B's attempts in it", async () => {
    await server.runtime.auditBuffer.flush();
    const actions: string[] = [];
    for await (const record of server.runtime.audit.records(ctx.a.orgId as OrgId, { actionPrefix: 'gateway.' }))
      actions.push(record.action);
    expect(actions.filter((a) => a.startsWith('gateway.prompt.') || a.startsWith('gateway.route.'))).toEqual([
      'gateway.prompt.created',
      'gateway.prompt.created',
      'gateway.route.created',
    ]);
    expect((await server.runtime.audit.verify(ctx.a.orgId as OrgId)).ok).toBe(true);
  });
});
