import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { RecordingProvider, startGateway, type GatewayKit } from './gateway-test-kit.js';

// The attack: set up a canary split and a shadow model while the org's plan (or no plan) allows them, then move to
// Free and keep both running. The route's features are read at each call, so the downgrade ends them at once.
describe(`canary splits and shadows after a downgrade to Free (${backendName})`, () => {
  let kit: GatewayKit;
  let call: ReturnType<typeof apiClient>;
  const stable = new RecordingProvider();
  const canary = new RecordingProvider();
  const shadow = new RecordingProvider();
  const ask = (model: string, i: number) =>
    call(kit.a.ownerKey, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: `q ${i}` }] });
  const createRoute = (name: string, body: Record<string, unknown>) =>
    call(kit.a.ownerKey, 'POST', '/v1/model-routes', { name, ...body });
  const split = {
    targets: [
      { model: 'stable', weight: 50 },
      { model: 'canary', weight: 50 },
    ],
  };
  const shadowed = { targets: [{ model: 'stable', weight: 100 }], shadow: { model: 'shadow' } };

  beforeAll(async () => {
    kit = await startGateway({
      configure: (catalog) => catalog.add('stable', stable).add('canary', canary).add('shadow', shadow),
    });
    call = apiClient(kit.server.app);
  }, 120_000);
  afterAll(async () => kit.close());

  it('on no billing plan both run; on Free every call takes the heaviest arm and the shadow is skipped', async () => {
    expect((await createRoute('split', split)).statusCode).toBe(201);
    expect((await createRoute('shadowed', shadowed)).statusCode).toBe(201);
    expect((await ask('split', 0)).statusCode).toBe(200);
    expect((await ask('shadowed', 0)).statusCode).toBe(200);
    await kit.server.runtime.services.gateway.shadowsSettled();
    expect(shadow.received).toHaveLength(1);

    const free = await call(
      kit.a.ownerKey,
      'POST',
      `/v1/orgs/${kit.a.orgId}/billing/subscription`,
      { plan: 'free' },
      { 'idempotency-key': 'to-free' },
    );
    expect(free.statusCode, free.body).toBe(200);
    // Free allows 10 requests a minute: 6 calls on a 50/50 split all missing the canary is 1 in 64 by chance.
    const canaryBefore = canary.received.length;
    for (let i = 0; i < 6; i++) expect((await ask('split', 100 + i)).statusCode).toBe(200);
    expect(canary.received).toHaveLength(canaryBefore);
    expect((await ask('shadowed', 1)).statusCode).toBe(200);
    await kit.server.runtime.services.gateway.shadowsSettled();
    expect(shadow.received).toHaveLength(1);
    const comparisons = (await call(kit.a.ownerKey, 'GET', '/v1/model-routes/shadowed/shadow-comparisons')).json()
      .data as Record<string, unknown>[];
    expect(comparisons[0]).toMatchObject({ outcome: 'skipped', reason_code: 'billing.plan_feature_required' });

    for (const [name, body] of [
      ['split-2', split],
      ['shadowed-2', shadowed],
    ] as const) {
      const res = await createRoute(name, body);
      expect([res.statusCode, res.json().code]).toEqual([402, 'billing.plan_feature_required']);
    }
  });
});
