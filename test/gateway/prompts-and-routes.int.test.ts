import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { planRoute, ProviderError, RoutedCatalog } from '../../src/modules/gateway/index.js';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { RecordingProvider, ScriptedProvider, startGateway, type GatewayKit } from './gateway-test-kit.js';

const AWS_KEY = 'AKIAZ7Q3M4N5P6R2T8WX';

describe(`prompt registry and model routes (${backendName})`, () => {
  let kit: GatewayKit;
  let call: ReturnType<typeof apiClient>;
  const stable = new RecordingProvider();
  const canary = new RecordingProvider();
  const broken = new ScriptedProvider({ fail: new ProviderError('upstream_error', 'down', 500) });
  const backup = new ScriptedProvider({ pieces: ['backup answer'] });
  const owner = () => kit.a.ownerKey;
  const stepOf = (details: Record<string, unknown>, step: string) =>
    (details.steps as { step: string; decision: string }[]).find((s) => s.step === step);

  beforeAll(async () => {
    kit = await startGateway({
      configure: (catalog) =>
        catalog.add('stable', stable).add('canary', canary).add('broken', broken).add('backup', backup),
    });
    call = apiClient(kit.server.app);
  }, 120_000);
  afterAll(async () => kit.close());

  describe('prompts', () => {
    it('creates, versions with If-Match (412 on a stale ETag, 428 without), diffs and rolls back', async () => {
      const created = await call(owner(), 'POST', '/v1/prompts', {
        name: 'support',
        template: 'You help customers of {{company}}.\nBe brief.',
        variables: [{ name: 'company', max_length: 40 }],
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.headers.etag).toBe('"v1"');
      const v2 = await call(
        owner(),
        'POST',
        '/v1/prompts/support/versions',
        { template: 'You help customers of {{company}}.\nBe kind and brief.', variables: [{ name: 'company' }] },
        { 'if-match': '"v1"' },
      );
      expect(v2.statusCode, v2.body).toBe(201);
      expect(v2.json()).toMatchObject({ version: 2, restored_from: null });
      const stale = await call(
        owner(),
        'POST',
        '/v1/prompts/support/versions',
        { template: 'lost update' },
        { 'if-match': '"v1"' },
      );
      expect(stale.statusCode).toBe(412);
      expect(stale.json().code).toBe('http.precondition_failed');
      const bare = await call(owner(), 'POST', '/v1/prompts/support/versions', { template: 'no etag' });
      expect(bare.statusCode).toBe(428);

      const diff = await call(owner(), 'GET', '/v1/prompts/support/diff?from=1&to=2');
      expect(diff.statusCode, diff.body).toBe(200);
      const text = diff.json().diff as string;
      expect(text).toContain('--- support@v1');
      expect(text).toContain('+++ support@v2');
      expect(text).toContain('-Be brief.');
      expect(text).toContain('+Be kind and brief.');
      expect(text).toContain('-# variable company max_length=40 required');
      expect(text).toContain('+# variable company max_length=1024 required');

      const rolled = await call(owner(), 'POST', '/v1/prompts/support/rollback', { version: 1 });
      expect(rolled.statusCode, rolled.body).toBe(201);
      expect(rolled.json()).toMatchObject({ version: 3, restored_from: 1, template: created.json().template });
      const head = await call(owner(), 'GET', '/v1/prompts/support');
      expect(head.headers.etag).toBe('"v3"');
      const versions = await call(owner(), 'GET', '/v1/prompts/support/versions?limit=2');
      expect(versions.json().data.map((v: { version: number }) => v.version)).toEqual([3, 2]);
      const next = await call(
        owner(),
        'GET',
        `/v1/prompts/support/versions?limit=2&cursor=${versions.json().next_cursor}`,
      );
      expect(next.json().data.map((v: { version: number }) => v.version)).toEqual([1]);

      const events = await kit.events('gateway.prompt.');
      expect(events.map((e) => [e.action, e.details.version, e.details.restored_from ?? null])).toEqual([
        ['gateway.prompt.created', 1, null],
        ['gateway.prompt.version_created', 2, null],
        ['gateway.prompt.rolled_back', 3, 1],
      ]);
    });

    it('refuses bad templates, names, versions and variables with 4xx codes', async () => {
      const bad = [
        [{ name: 'x', template: 'Hi {{who}}' }, 'gateway.prompt_invalid'],
        [{ name: 'x', template: 'Hi', variables: [{ name: 'unused' }] }, 'gateway.prompt_invalid'],
        [{ name: 'x', template: 'Hi {{ bad-name }}' }, 'gateway.prompt_invalid'],
        [{ name: 'x', template: 'Hi {{who', variables: [] }, 'gateway.prompt_invalid'],
        [{ name: 'Bad Name', template: 'Hi' }, 'http.bad_request'],
        [{ name: 'x', template: 'x'.repeat(40_000) }, 'http.bad_request'],
      ] as const;
      for (const [body, code] of bad) {
        const res = await call(owner(), 'POST', '/v1/prompts', body);
        expect(`${res.statusCode} ${res.json().code}`).toBe(`400 ${code}`);
      }
      expect((await call(owner(), 'POST', '/v1/prompts', { name: 'support', template: 'again' })).statusCode).toBe(409);
      expect((await call(owner(), 'GET', '/v1/prompts/support/versions/99')).json().code).toBe(
        'gateway.prompt_version_not_found',
      );
      expect((await call(owner(), 'POST', '/v1/prompts/support/rollback', { version: 99 })).statusCode).toBe(404);
      expect((await call(owner(), 'POST', '/v1/prompts/support/rollback', { version: 0 })).statusCode).toBe(400);

      const ask = (variables: Record<string, string>) =>
        call(owner(), 'POST', '/v1/chat/completions', {
          model: 'stable',
          messages: [{ role: 'user', content: 'hello' }],
          bulwark: { prompt: { name: 'support', variables } },
        });
      const cases: Record<string, string>[] = [{}, { company: 'ACME', other: 'x' }, { company: 'x'.repeat(41) }];
      for (const variables of cases) {
        const res = await ask(variables);
        expect(`${res.statusCode} ${res.json().error.code}`).toBe('400 gateway.prompt_variables_invalid');
      }
    });

    it('renders the prompt as the first system message, never forwards `bulwark`, and audits name and version', async () => {
      const before = stable.received.length;
      const res = await call(owner(), 'POST', '/v1/chat/completions', {
        model: 'stable',
        messages: [{ role: 'user', content: 'Where is my order?' }],
        bulwark: { prompt: { name: 'support', version: 2, variables: { company: 'our little shop {{company}}' } } },
      });
      expect(res.statusCode, res.body).toBe(200);
      const sent = stable.received[before] as unknown as Record<string, unknown>;
      expect(stable.received.length).toBe(before + 1);
      expect(sent.messages).toEqual([
        { role: 'system', content: 'You help customers of our little shop {{company}}.\nBe kind and brief.' },
        { role: 'user', content: 'Where is my order?' },
      ]);
      expect(sent).not.toHaveProperty('bulwark');
      const events = await kit.events('gateway.request.');
      const event = events.find((e) => e.request_id === res.headers['x-request-id']);
      expect(event?.details.prompt).toEqual({ name: 'support', version: 2 });
      expect(stepOf(event?.details ?? {}, 'prompt')?.decision).toBe('allow');
    });

    it('scans the rendered variables with the input guard: a secret in a variable is blocked', async () => {
      const before = stable.received.length;
      const res = await call(owner(), 'POST', '/v1/chat/completions', {
        model: 'stable',
        messages: [{ role: 'user', content: 'hello' }],
        bulwark: { prompt: { name: 'support', variables: { company: AWS_KEY } } },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('gateway.guardrail_blocked');
      expect(stable.received.length).toBe(before);
    });

    it('needs read:prompts besides invoke:models to use a prompt', async () => {
      const key = await kit.keyFor('developer', ['invoke:models']);
      const res = await call(key, 'POST', '/v1/chat/completions', {
        model: 'stable',
        messages: [{ role: 'user', content: 'hello' }],
        bulwark: { prompt: { name: 'support', variables: { company: 'our little shop' } } },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('authz.denied');
      const plain = await call(key, 'POST', '/v1/chat/completions', {
        model: 'stable',
        messages: [{ role: 'user', content: 'hello' }],
      });
      expect(plain.statusCode, plain.body).toBe(200);
    });
  });

  describe('model routes', () => {
    it('refuses bad routes with 4xx codes', async () => {
      const bad = [
        { targets: [{ model: 'stable', weight: 90 }] },
        {
          targets: [
            { model: 'stable', weight: 50 },
            { model: 'stable', weight: 50 },
          ],
        },
        { targets: [{ model: 'stable', weight: 100 }], shadow: { model: 'stable' } },
        { targets: [{ model: 'bulwark-local-embed', weight: 100 }] },
        { targets: [{ model: 'no-such-model', weight: 100 }] },
        { targets: [{ model: 'stable', weight: 101 }] },
        { targets: [] },
      ];
      for (const body of bad) {
        const res = await call(owner(), 'POST', '/v1/model-routes', { name: 'r', ...body });
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(['gateway.route_invalid', 'http.bad_request']).toContain(res.json().code);
      }
    });

    it('splits traffic by weight, fixed by the request id, and records the arm and version', async () => {
      const created = await call(owner(), 'POST', '/v1/model-routes', {
        name: 'chat-default',
        targets: [
          { model: 'stable', weight: 90 },
          { model: 'canary', weight: 10 },
        ],
      });
      expect(created.statusCode, created.body).toBe(201);
      const catalog = new RoutedCatalog({ db: kit.server.runtime.services.db, models: kit.catalog });
      const resolved = await catalog.resolve(kit.a.orgId as OrgId, 'chat-default');
      const route = resolved?.route;
      if (!route) throw new Error('the route did not resolve');
      let toCanary = 0;
      for (let i = 0; i < 2_000; i++)
        if (planRoute(route, `req-${i}`, { canary: true }).primary.name === 'canary') toCanary += 1;
      // 10 % of 2,000 is 200; a binomial standard deviation is about 13, so 160..240 is three of them.
      expect(toCanary).toBeGreaterThan(160);
      expect(toCanary).toBeLessThan(240);

      const arms: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await call(owner(), 'POST', '/v1/chat/completions', {
          model: 'chat-default',
          messages: [{ role: 'user', content: `question ${i}` }],
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().model).toBe('chat-default');
        const requestId = String(res.headers['x-request-id']);
        const expected = planRoute(route, requestId, { canary: true });
        const event = (await kit.events('gateway.request.')).find((e) => e.request_id === requestId);
        expect(event?.details.route).toMatchObject({
          name: 'chat-default',
          version: 1,
          arm: expected.primary.name,
          fallbacks: [expected.fallbacks[0]?.name],
        });
        arms.push(expected.primary.name);
      }
      expect(stable.received.length + canary.received.length).toBeGreaterThanOrEqual(20);
      expect(canary.received.length).toBe(arms.filter((a) => a === 'canary').length);
    });

    it('falls back in declared order when the picked arm fails', async () => {
      const res = await call(owner(), 'POST', '/v1/model-routes', {
        name: 'with-fallback',
        targets: [
          { model: 'broken', weight: 100 },
          { model: 'backup', weight: 0 },
        ],
      });
      expect(res.statusCode, res.body).toBe(201);
      const answer = await call(owner(), 'POST', '/v1/chat/completions', {
        model: 'with-fallback',
        messages: [{ role: 'user', content: 'hello' }],
      });
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.json().choices[0].message.content).toBe('backup answer');
    });

    it('versions with If-Match and rolls back through the API; the pipeline follows the head', async () => {
      const v2 = await call(
        owner(),
        'POST',
        '/v1/model-routes/chat-default/versions',
        { targets: [{ model: 'canary', weight: 100 }] },
        { 'if-match': '"v1"' },
      );
      expect(v2.statusCode, v2.body).toBe(201);
      const stale = await call(
        owner(),
        'POST',
        '/v1/model-routes/chat-default/versions',
        { targets: [{ model: 'stable', weight: 100 }] },
        { 'if-match': '"v1"' },
      );
      expect(stale.statusCode).toBe(412);
      const before = canary.received.length;
      const onV2 = await call(owner(), 'POST', '/v1/chat/completions', {
        model: 'chat-default',
        messages: [{ role: 'user', content: 'to the canary' }],
      });
      expect(onV2.statusCode).toBe(200);
      expect(canary.received.length).toBe(before + 1);

      const rolled = await call(owner(), 'POST', '/v1/model-routes/chat-default/rollback', { version: 1 });
      expect(rolled.statusCode, rolled.body).toBe(201);
      expect(rolled.json()).toMatchObject({
        version: 3,
        restored_from: 1,
        targets: [
          { model: 'stable', weight: 90 },
          { model: 'canary', weight: 10 },
        ],
      });
      const onV3 = await call(owner(), 'POST', '/v1/chat/completions', {
        model: 'chat-default',
        messages: [{ role: 'user', content: 'after the rollback' }],
      });
      const event = (await kit.events('gateway.request.')).find((e) => e.request_id === onV3.headers['x-request-id']);
      expect(event?.details.route).toMatchObject({ name: 'chat-default', version: 3 });
      const changes = await kit.events('gateway.route.');
      expect(changes.filter((e) => e.resource?.id === 'chat-default').map((e) => e.action)).toEqual([
        'gateway.route.created',
        'gateway.route.version_created',
        'gateway.route.rolled_back',
      ]);
      const listed = await call(owner(), 'GET', '/v1/models');
      expect(listed.body).toContain('chat-default');
    });
  });
});
