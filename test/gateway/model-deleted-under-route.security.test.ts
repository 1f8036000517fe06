import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { twoOrgs } from '../api/api-client.js';
import type { FakeUpstream } from '../support/fake-upstreams/fake-upstream.js';
import { startOpenAiFake } from '../support/fake-upstreams/openai-fake.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';

// Attack (or accident): delete an org model that a model route still targets or shadows, leaving the route's current
// version pointing at a name that no longer exists, or racing a route change against the deletion so neither sees the
// other. Deleting such a model is refused with `gateway.model_in_use` naming the routes; route changes and model
// deletions of one org are serialized, so a deletion racing an uncommitted route version waits and is then refused.
describe(`an org model cannot be deleted while a route targets it (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let upstream: FakeUpstream;
  let providerId: string;

  const orgPath = (rest: string) => `/v1/orgs/${ctx.a.orgId}/gateway${rest}`;
  const as = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>) =>
    ctx.call(ctx.a.ownerKey, method, url, body, headers);
  const createModel = async (name: string) => {
    const res = await as('POST', orgPath('/models'), {
      name,
      region: 'eu',
      targets: [{ provider_id: providerId, upstream_model: 'llama3' }],
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    upstream = await startOpenAiFake({ replyPrefix: 'up: ' });
    const provider = await as('POST', orgPath('/providers'), {
      name: 'self-hosted',
      kind: 'openai-compatible',
      base_url: `${upstream.url}/v1`,
    });
    expect(provider.statusCode, provider.body).toBe(201);
    providerId = provider.json().id as string;
  }, 120_000);
  afterAll(async () => {
    await upstream.close();
    await server.close();
  });

  it('refuses to delete a model a route targets or shadows, and deletes it once the route moves away', async () => {
    const primary = await createModel('primary-chat');
    const shadow = await createModel('shadow-chat');
    const spare = await createModel('spare-chat');
    const route = await as('POST', '/v1/model-routes', {
      name: 'assistant',
      targets: [{ model: 'primary-chat', weight: 100 }],
      shadow: { model: 'shadow-chat' },
    });
    expect(route.statusCode, route.body).toBe(201);

    for (const id of [primary, shadow]) {
      const refused = await as('DELETE', orgPath(`/models/${id}`));
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'gateway.model_in_use', routes: ['assistant'] });
    }
    const chat = await as('POST', '/v1/chat/completions', {
      model: 'assistant',
      messages: [{ role: 'user', content: 'Name a colour.' }],
    });
    expect(chat.statusCode, chat.body).toBe(200);

    const moved = await as(
      'POST',
      '/v1/model-routes/assistant/versions',
      { targets: [{ model: 'spare-chat', weight: 100 }] },
      { 'if-match': route.headers.etag as string },
    );
    expect(moved.statusCode, moved.body).toBe(201);
    // Only the head version counts: version 1 still names the models, and a rollback to it re-checks them.
    for (const id of [primary, shadow]) expect((await as('DELETE', orgPath(`/models/${id}`))).statusCode).toBe(204);
    const rollback = await as('POST', '/v1/model-routes/assistant/rollback', { version: 1 });
    expect(rollback.statusCode, rollback.body).toBe(400);
    expect((await as('DELETE', orgPath(`/models/${spare}`))).json().code).toBe('gateway.model_in_use');
  });

  it('a deletion racing an uncommitted route version waits for it, then sees the route and is refused', async () => {
    const id = await createModel('racy-chat');
    const actor = { type: 'api_key', id: 'key_race' } as const;
    const orgId = ctx.a.orgId as OrgId;
    const { db } = server.runtime;
    const services = server.runtime.services;
    let routeWritten!: () => void;
    let commitRoute!: () => void;
    const written = new Promise<void>((resolve) => (routeWritten = resolve));
    const holdOpen = new Promise<void>((resolve) => (commitRoute = resolve));
    const route = db.withTenant(orgId, async (sql) => {
      await services.modelRoutes.create(
        sql,
        'racy-route',
        { targets: [{ model: 'racy-chat', weight: 100 }], shadow: null },
        { actor },
      );
      routeWritten();
      await holdOpen;
    });
    await written;
    let settled = false;
    const deletion = db
      .withTenant(orgId, (sql) => services.gatewayProviders.deleteModel(sql, actor, id))
      .then(
        () => 'deleted',
        (error: unknown) => (error as { code?: string }).code,
      )
      .finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // INVARIANT: the deletion cannot have decided while the route version is uncommitted.
    expect(settled).toBe(false);
    commitRoute();
    await route;
    expect(await deletion).toBe('gateway.model_in_use');
    const chat = await as('POST', '/v1/chat/completions', {
      model: 'racy-route',
      messages: [{ role: 'user', content: 'Hello?' }],
    });
    expect(chat.statusCode, chat.body).toBe(200);
  });

  it("another org's route does not keep this org's model alive, and cannot see it", async () => {
    const id = await createModel('lonely-chat');
    const foreign = await ctx.call(ctx.b.ownerKey, 'POST', '/v1/model-routes', {
      name: 'borrow',
      targets: [{ model: 'lonely-chat', weight: 100 }],
    });
    expect(foreign.statusCode).toBe(400);
    expect((await as('DELETE', orgPath(`/models/${id}`))).statusCode).toBe(204);
  });
});
