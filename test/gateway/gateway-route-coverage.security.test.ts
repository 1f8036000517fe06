import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { createTestServer } from '../support/test-server.js';
import { startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: reach a model through an endpoint that was forgotten, bypassing budgets and guardrails. Every route with
// action invoke:models must declare itself metered and guarded (checked at registration), and each route that
// declares itself metered and guarded, whatever its action (retrieval embeds under read/write:documents), must
// really call the meter and the input guard (counted by an instrumented meter and the guard's own audit events).
const FIXTURES: Record<string, { body: Record<string, unknown> }> = {
  'POST /v1/chat/completions': {
    body: { model: 'bulwark-local-chat', messages: [{ role: 'user', content: 'What is a good name for a turtle?' }] },
  },
  'POST /v1/responses': { body: { model: 'bulwark-local-chat', input: 'What is a good name for a turtle?' } },
  'POST /v1/embeddings': { body: { model: 'bulwark-local-embed', input: 'a turtle called Sheldon' } },
  'POST /v1/retrieval/documents': { body: { text: 'Sheldon the turtle lives in the pond behind the depot.' } },
  'POST /v1/retrieval/search': { body: { query: 'where does the turtle live?' } },
};
// Metered routes that embed only: no stream variant and no output scan.
const EMBED_ONLY = new Set(['/v1/embeddings', '/v1/retrieval/documents', '/v1/retrieval/search']);
// Routes with action invoke:models that call no model, each with its declared reason.
const NO_MODEL = new Set(['POST /v1/orgs/:org_id/guard/scan', 'POST /v1/moderations']);

describe(`every model route is metered and guarded (${backendName})`, () => {
  let kit: GatewayKit;
  beforeAll(async () => {
    kit = await startGateway();
  }, 120_000);
  afterAll(async () => kit.close());

  const modelRoutes = () => kit.server.routes.filter((r) => r.action === 'invoke:models');
  const meteredRoutes = () => kit.server.routes.filter((r) => r.gateway && 'metered' in r.gateway);

  it('declares it on every invoke:models route, and a fixture exists for each metered one', () => {
    expect(modelRoutes().length).toBeGreaterThanOrEqual(4);
    for (const route of modelRoutes()) {
      const key = `${route.method} ${route.url}`;
      expect(route.gateway, key).toBeDefined();
      if (route.gateway && 'metered' in route.gateway) expect(FIXTURES[key], `fixture for ${key}`).toBeDefined();
      else expect(NO_MODEL.has(key), `${key} claims to call no model`).toBe(true);
    }
  });

  it('has a fixture for each route that declares itself metered, whatever its action', () => {
    expect(meteredRoutes().map((r) => r.action)).toEqual(expect.arrayContaining(['read:documents', 'write:documents']));
    for (const route of meteredRoutes())
      expect(FIXTURES[`${route.method} ${route.url}`], `${route.method} ${route.url}`).toBeDefined();
  });

  it('calls the meter (reserve, then settle) and the input guard on each metered route, streamed or not', async () => {
    const call = apiClient(kit.server.app);
    const metered = meteredRoutes();
    expect(metered.length).toBe(Object.keys(FIXTURES).length);
    for (const route of metered) {
      const key = `${route.method} ${route.url}`;
      const fixture = FIXTURES[key];
      if (!fixture) throw new Error(`no fixture for ${key}`);
      const variants = EMBED_ONLY.has(route.url) ? [fixture.body] : [fixture.body, { ...fixture.body, stream: true }];
      for (const body of variants) {
        const res = await call(kit.a.ownerKey, 'POST', route.url, body);
        expect(res.statusCode, `${key} ${res.body}`).toBeLessThan(300);
        const requestId = String(res.headers['x-request-id']);
        expect(kit.meter.opsFor(requestId), key).toEqual(['reserve', 'settle']);
        const scans = (await kit.events('guard.scan.')).filter((e) => e.request_id === requestId);
        const hooks = scans.map((e) => e.details.hook);
        expect(hooks, key).toContain('input');
        if (!EMBED_ONLY.has(route.url)) expect(hooks, key).toContain('output');
      }
    }
  });

  it('refuses at startup an invoke:models route without the declaration', async () => {
    await expect(
      createTestServer({
        registerRoutes: (app) =>
          app.post('/v1/sneaky/completions', {
            config: {
              authz: {
                action: 'invoke:models',
                resource: () => ({ type: 'Org' as const, id: 'org_x', orgId: 'org_x' as never }),
              },
              transaction: 'none',
            },
            handler: async () => ({ ok: true }),
          }),
      }),
    ).rejects.toThrow(/does not declare config.gateway/);
  });
});
