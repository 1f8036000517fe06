import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: with a key that may write prompts, change where traffic goes (routes need manage:models); with a key that
// may only read, change or roll back a prompt or a route; with a key that may call models, read a prompt through chat.
describe(`prompt and route changes need their own scopes (${backendName})`, () => {
  let kit: GatewayKit;
  let call: ReturnType<typeof apiClient>;
  const route = { name: 'assistant', targets: [{ model: 'bulwark-local-chat', weight: 100 }] };

  beforeAll(async () => {
    kit = await startGateway();
    call = apiClient(kit.server.app);
    const prompt = await call(kit.a.ownerKey, 'POST', '/v1/prompts', { name: 'greeter', template: 'Greet warmly.' });
    expect(prompt.statusCode, prompt.body).toBe(201);
    const created = await call(kit.a.ownerKey, 'POST', '/v1/model-routes', route);
    expect(created.statusCode, created.body).toBe(201);
  }, 120_000);
  afterAll(async () => kit.close());

  it('refuses every route change to a key with write:prompts and read:models but not manage:models', async () => {
    const key = await kit.keyFor('developer', ['write:prompts', 'read:models']);
    const attempts = [
      await call(key, 'POST', '/v1/model-routes', { ...route, name: 'other' }),
      await call(
        key,
        'POST',
        '/v1/model-routes/assistant/versions',
        { targets: route.targets },
        { 'if-match': '"v1"' },
      ),
      await call(key, 'POST', '/v1/model-routes/assistant/rollback', { version: 1 }),
    ];
    expect(attempts.map((r) => r.statusCode)).toEqual([403, 403, 403]);
    expect((await call(key, 'GET', '/v1/model-routes/assistant')).statusCode).toBe(200);
    const versions = await kit.server.testDb.superuser(
      'SELECT count(*)::int AS n FROM gateway_route_versions WHERE org_id = $1',
      [kit.a.orgId],
    );
    expect(versions).toEqual([{ n: 1 }]);
  });

  it('refuses prompt changes to a key with read:prompts only, and prompt use in chat without read:prompts', async () => {
    const reader = await kit.keyFor('developer', ['read:prompts']);
    const changes = [
      await call(reader, 'POST', '/v1/prompts', { name: 'mine', template: 'x' }),
      await call(reader, 'POST', '/v1/prompts/greeter/versions', { template: 'x' }, { 'if-match': '"v1"' }),
      await call(reader, 'POST', '/v1/prompts/greeter/rollback', { version: 1 }),
    ];
    expect(changes.map((r) => r.statusCode)).toEqual([403, 403, 403]);
    const invoker = await kit.keyFor('developer', ['invoke:models']);
    const res = await call(invoker, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: 'hi' }],
      bulwark: { prompt: { name: 'greeter' } },
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('Greet warmly');
    const events = await kit.events('gateway.request.');
    const event = events.find((e) => e.request_id === res.headers['x-request-id']);
    expect(
      (event?.details.steps as { step: string; decision: string }[]).find((s) => s.step === 'prompt'),
    ).toMatchObject({ decision: 'deny' });
  });
});
