import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { twoOrgs } from '../api/api-client.js';
import type { FakeUpstream } from '../support/fake-upstreams/fake-upstream.js';
import { startOpenAiFake } from '../support/fake-upstreams/openai-fake.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';

const KEY_1 = 'sk-proj-first-key-0123456789abcdef';
const KEY_2 = 'sk-proj-second-key-fedcba9876543210';
const ctxOf = (orgId: string) => ({ orgId: orgId as OrgId, requestId: 'req_t', signal: new AbortController().signal });

describe(`gateway provider connections and models (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let primary: FakeUpstream;
  let backup: FakeUpstream;
  let org: string;
  const as = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    ctx.call(ctx.a.ownerKey, method, `/v1/orgs/${org}/gateway${url}`, body);

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    org = ctx.a.orgId;
    primary = await startOpenAiFake({ apiKey: KEY_2, replyPrefix: 'primary: ' });
    backup = await startOpenAiFake({ replyPrefix: 'backup: ' });
  });
  afterAll(async () => {
    await server.close();
    await primary.close();
    await backup.close();
  });

  it('creates, shows and lists a connection without ever returning the key; the column holds only ciphertext', async () => {
    const created = await as('POST', '/providers', {
      name: 'openai-main',
      kind: 'openai',
      base_url: `${primary.url}/v1/`,
      api_key: KEY_1,
      options: { organization: 'org-acme' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      name: 'openai-main',
      kind: 'openai',
      base_url: `${primary.url}/v1`,
      has_api_key: true,
    });
    expect(body.id).toMatch(/^prv_[0-9a-z]{26}$/);
    expect(created.body).not.toContain(KEY_1);
    const shown = await as('GET', `/providers/${body.id}`);
    const listed = await as('GET', '/providers');
    expect(shown.statusCode).toBe(200);
    expect(listed.json().data.map((p: { id: string }) => p.id)).toEqual([body.id]);
    expect(shown.body + listed.body).not.toContain(KEY_1);

    const rows = await server.testDb.superuser(
      'SELECT credential_ciphertext AS c, row_to_json(p)::text AS whole FROM gateway_provider_connections p WHERE id = $1',
      [body.id],
    );
    expect(String(rows[0]?.c)).toMatch(/^bwf1\.\d+\./);
    expect(String(rows[0]?.whole)).not.toContain(KEY_1);
    expect(String(rows[0]?.whole)).not.toContain(KEY_1.slice(8, 24));
  });

  it('an org model resolves to real providers in chain order; a 5xx on the first falls back to the second', async () => {
    const main = (await as('GET', '/providers')).json().data[0].id as string;
    const local = await as('POST', '/providers', {
      name: 'vllm',
      kind: 'openai-compatible',
      base_url: `${backup.url}/v1`,
    });
    expect(local.statusCode).toBe(201);
    expect(local.json().has_api_key).toBe(false);
    const model = await as('POST', '/models', {
      name: 'team-chat',
      region: 'eu',
      data_classes_allowed: ['pii.email'],
      targets: [
        { provider_id: main, upstream_model: 'gpt-4o' },
        { provider_id: local.json().id, upstream_model: 'llama3' },
      ],
    });
    expect(model.statusCode).toBe(201);
    expect(model.json()).toMatchObject({ name: 'team-chat', kind: 'chat', provider: 'openai', region: 'eu' });

    const resolved = await server.runtime.services.modelCatalog.resolve(org as OrgId, 'team-chat');
    expect(resolved?.attributes).toEqual({
      provider: 'openai',
      region: 'eu',
      dataClassesAllowed: ['pii.email'],
      kind: 'chat',
      builtIn: false,
    });
    expect(resolved?.targets.map((t) => [t.provider.kind, t.upstreamModel])).toEqual([
      ['openai', 'gpt-4o'],
      ['openai-compatible', 'llama3'],
    ]);
    expect(resolved?.targets[0]?.circuitKey).toBe(`${org}/${main}/gpt-4o`);

    // The primary wants KEY_2, so the stored KEY_1 is refused (401): a credential problem, final, no fallback.
    const first = resolved?.targets[0];
    const refused = await first?.provider
      .chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, ctxOf(org))
      .catch((e: unknown) => e);
    expect((refused as { upstreamStatus?: number }).upstreamStatus).toBe(401);
    expect(primary.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY_1}`);
    expect(primary.requests.at(-1)?.headers['openai-organization']).toBe('org-acme');

    // Rotating the key through the API takes effect on the next resolution (no stale cached provider).
    const patched = await as('PATCH', `/providers/${main}`, { api_key: KEY_2 });
    expect(patched.statusCode).toBe(200);
    expect(patched.body).not.toContain(KEY_2);
    const again = await server.runtime.services.modelCatalog.resolve(org as OrgId, 'team-chat');
    const answer = await again?.targets[0]?.provider.chat(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      ctxOf(org),
    );
    expect(answer?.choices[0]?.message.content).toBe('primary: hi');

    const { invokeWithFallback } = await import('../../src/modules/gateway/index.js');
    primary.failNext({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const fell = await invokeWithFallback(server.runtime.services.providerCircuits, again?.targets ?? [], (t) =>
      t.provider.chat({ model: t.upstreamModel, messages: [{ role: 'user', content: 'hi' }] }, ctxOf(org)),
    );
    expect(fell.value.choices[0]?.message.content).toBe('backup: hi');
    expect((backup.requests.at(-1)?.body as { model: string }).model).toBe('llama3');
  });

  it('refuses bad input with 4xx naming the field', async () => {
    const bad = async (url: string, body: unknown, code: string, field?: string) => {
      const res = await as('POST', url, body);
      expect([url, res.statusCode >= 400 && res.statusCode < 500, res.json().code]).toEqual([url, true, code]);
      if (field) expect(JSON.stringify(res.json().issues)).toContain(field);
    };
    await bad(
      '/providers',
      { name: 'x', kind: 'openai-compatible', base_url: 'http://user:pw@127.0.0.1:1/v1' },
      'gateway.provider_config_invalid',
      'base_url',
    );
    await bad(
      '/providers',
      { name: 'x', kind: 'openai-compatible', base_url: 'ftp://example.com' },
      'gateway.provider_config_invalid',
      'base_url',
    );
    await bad(
      '/providers',
      { name: 'x', kind: 'openai-compatible', base_url: 'https://h.example/v1?key=abc' },
      'gateway.provider_config_invalid',
      'base_url',
    );
    await bad('/providers', { name: 'x', kind: 'openai-compatible' }, 'gateway.provider_config_invalid', 'base_url');
    await bad('/providers', { name: 'x', kind: 'anthropic' }, 'gateway.provider_config_invalid', 'api_key');
    await bad(
      '/providers',
      { name: 'openai-main', kind: 'openai', api_key: 'sk-x-123' },
      'gateway.provider_name_taken',
    );
    const ant = await as('POST', '/providers', {
      name: 'claude',
      kind: 'anthropic',
      api_key: 'sk-ant-1234567',
      base_url: 'https://api.anthropic.com',
    });
    expect(ant.statusCode).toBe(201);
    await bad(
      '/models',
      {
        name: 'emb',
        kind: 'embedding',
        region: 'us',
        targets: [{ provider_id: ant.json().id, upstream_model: 'claude' }],
      },
      'gateway.provider_config_invalid',
      'targets[0].provider_id',
    );
    await bad(
      '/models',
      { name: 'm', region: 'us', targets: [{ provider_id: 'prv_00000000000000000000000000', upstream_model: 'x' }] },
      'gateway.provider_config_invalid',
      'targets[0]',
    );
    await bad(
      '/models',
      { name: 'team-chat', region: 'us', targets: [{ provider_id: ant.json().id, upstream_model: 'c' }] },
      'gateway.model_name_taken',
    );
  });

  it('a connection in use cannot be deleted; a model deletes, then its connection does; everything is audited without the key', async () => {
    const providers = (await as('GET', '/providers')).json().data as { id: string; name: string }[];
    const main = providers.find((p) => p.name === 'openai-main')?.id ?? '';
    const inUse = await as('DELETE', `/providers/${main}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json()).toMatchObject({ code: 'gateway.provider_in_use', models: ['team-chat'] });
    const model = (await as('GET', '/models')).json().data[0].id as string;
    expect((await as('GET', `/models/${model}`)).statusCode).toBe(200);
    expect((await as('DELETE', `/models/${model}`)).statusCode).toBe(204);
    expect((await as('GET', `/models/${model}`)).json().code).toBe('gateway.org_model_not_found');
    expect((await as('DELETE', `/providers/${main}`)).statusCode).toBe(204);
    expect((await as('GET', `/providers/${main}`)).json().code).toBe('gateway.provider_not_found');
    expect(await server.runtime.services.modelCatalog.resolve(org as OrgId, 'team-chat')).toBeNull();

    await server.runtime.auditBuffer.flush();
    const actions: string[] = [];
    let all = '';
    for await (const record of server.runtime.audit.records(org as OrgId, { actionPrefix: 'gateway.' })) {
      actions.push(record.action);
      all += JSON.stringify(record);
    }
    expect(actions).toEqual(
      expect.arrayContaining([
        'gateway.provider.created',
        'gateway.provider.updated',
        'gateway.provider.deleted',
        'gateway.model.created',
        'gateway.model.deleted',
      ]),
    );
    expect(all).not.toContain(KEY_1);
    expect(all).not.toContain(KEY_2);
    expect(all).toContain('"changed":["api_key"]');
  });
});
