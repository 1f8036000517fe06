import { PassThrough } from 'node:stream';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { systemClock } from '../../src/lib/clock.js';
import type { OrgId } from '../../src/lib/ids.js';
import { buildApp, openRuntime, type Runtime } from '../../src/main.js';
import { createLogger } from '../../src/platform/logger/index.js';
import { twoOrgs } from '../api/api-client.js';
import type { FakeUpstream } from '../support/fake-upstreams/fake-upstream.js';
import { startOpenAiFake } from '../support/fake-upstreams/openai-fake.js';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';

// Attack: org B tries to read or use org A's provider credential: through B's own routes, by naming A's connection
// id in B's model, by resolving A's model names, and by copying A's ciphertext into B's row behind the app's back.
// The credential must also never reach a log line or an audit event, whatever fails.
const KEY_A = 'sk-proj-ORG-A-SECRET-4f9c2b7e1d0a8c6b';

describe(`a provider credential of org A is never usable or readable by org B (${backendName})`, () => {
  let app: FastifyInstance;
  let runtime: Runtime;
  let testDb: TestDb;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let upstream: FakeUpstream;
  let providerA = '';
  const logs: string[] = [];

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-test-'));
    const config = loadConfig({ env: { BULWARK_ENV: 'test', BULWARK_DATA_DIR: dataDir, BULWARK_LOG_LEVEL: 'debug' } });
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    testDb = await createTestDb();
    runtime = await openRuntime(config, {
      db: testDb.db,
      ownerDb: testDb.owner,
      clock: systemClock,
      logger: createLogger({ level: 'debug', destination: out }),
    });
    app = await buildApp(runtime, { accepting: true }, []);
    await app.ready();
    ctx = await twoOrgs(app, runtime.bootstrap?.secret ?? '');
    upstream = await startOpenAiFake({ apiKey: KEY_A });
    const created = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/gateway/providers`, {
      name: 'shared-name',
      kind: 'openai',
      base_url: `${upstream.url}/v1`,
      api_key: KEY_A,
    });
    expect(created.statusCode).toBe(201);
    providerA = created.json().id as string;
    const model = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/gateway/models`, {
      name: 'a-private-model',
      region: 'eu',
      targets: [{ provider_id: providerA, upstream_model: 'gpt-4o' }],
    });
    expect(model.statusCode).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await runtime.close();
    await testDb.close();
    await upstream.close();
  });

  it("B cannot read A's connection through its own routes or A's", async () => {
    const b = ctx.b;
    const own = await ctx.call(b.ownerKey, 'GET', `/v1/orgs/${b.orgId}/gateway/providers`);
    expect(own.json().data).toEqual([]);
    const byId = await ctx.call(b.ownerKey, 'GET', `/v1/orgs/${b.orgId}/gateway/providers/${providerA}`);
    expect([byId.statusCode, byId.json().code]).toEqual([404, 'gateway.provider_not_found']);
    const viaA = await ctx.call(b.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/gateway/providers/${providerA}`);
    expect(viaA.statusCode).toBe(404);
    const patch = await ctx.call(b.ownerKey, 'PATCH', `/v1/orgs/${b.orgId}/gateway/providers/${providerA}`, {
      base_url: 'http://127.0.0.1:9/v1',
    });
    expect(patch.statusCode).toBe(404);
    for (const res of [own, byId, viaA, patch]) expect(res.body).not.toContain(KEY_A);
    // Unchanged for A.
    const shown = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/gateway/providers/${providerA}`);
    expect(shown.json().base_url).toBe(`${upstream.url}/v1`);
  });

  it("B cannot point a model at A's connection, nor resolve A's model", async () => {
    const b = ctx.b;
    const res = await ctx.call(b.ownerKey, 'POST', `/v1/orgs/${b.orgId}/gateway/models`, {
      name: 'steal',
      region: 'eu',
      targets: [{ provider_id: providerA, upstream_model: 'gpt-4o' }],
    });
    expect([res.statusCode, res.json().code]).toEqual([400, 'gateway.provider_config_invalid']);
    expect(await runtime.services.modelCatalog.resolve(b.orgId as OrgId, 'a-private-model')).toBeNull();
    // B sees only the built-in models, none of A's.
    const listed = await runtime.services.modelCatalog.list(b.orgId as OrgId);
    expect(listed.filter((model) => !model.attributes.builtIn)).toEqual([]);
    // A resolves it (the test is not vacuous).
    expect(
      (await runtime.services.modelCatalog.resolve(ctx.a.orgId as OrgId, 'a-private-model'))?.targets,
    ).toHaveLength(1);
  });

  it("A's ciphertext copied into B's row behind the app's back does not decrypt there, and never reaches the upstream", async () => {
    const b = ctx.b;
    const own = await ctx.call(b.ownerKey, 'POST', `/v1/orgs/${b.orgId}/gateway/providers`, {
      name: 'shared-name',
      kind: 'openai',
      base_url: `${upstream.url}/v1`,
      api_key: 'sk-b-own-key-000000',
    });
    expect(own.statusCode).toBe(201);
    await ctx.call(b.ownerKey, 'POST', `/v1/orgs/${b.orgId}/gateway/models`, {
      name: 'b-model',
      region: 'eu',
      targets: [{ provider_id: own.json().id, upstream_model: 'gpt-4o' }],
    });
    await testDb.superuser(
      `UPDATE gateway_provider_connections SET credential_ciphertext = (SELECT credential_ciphertext FROM gateway_provider_connections WHERE id = $1)
       WHERE id = $2`,
      [providerA, own.json().id],
    );
    const before = upstream.requests.length;
    const error = await runtime.services.modelCatalog.resolve(b.orgId as OrgId, 'b-model').catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('vault.decrypt_failed');
    expect(upstream.requests.length).toBe(before);
  });

  it('the key never appears in any log line or audit event, after successes and failures alike', async () => {
    const a = ctx.a;
    const resolved = await runtime.services.modelCatalog.resolve(a.orgId as OrgId, 'a-private-model');
    const target = resolved?.targets[0];
    const call = () =>
      target?.provider.chat(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
        { orgId: a.orgId as OrgId, requestId: 'req_x', signal: new AbortController().signal },
      );
    expect((await call())?.choices[0]?.message.content).toBe('echo: hi');
    // Failures whose messages are built from upstream answers: a 400 that echoes the key, and 5xx.
    upstream.failNext({
      kind: 'status',
      status: 400,
      body: { error: { message: `Incorrect API key provided: ${KEY_A}`, type: 'invalid_request_error' } },
    });
    const echoed = await call()?.catch((e: unknown) => e);
    expect(String((echoed as Error).message)).not.toContain(KEY_A);
    expect(String((echoed as Error).message)).toContain('[redacted]');
    const { invokeWithFallback } = await import('../../src/modules/gateway/index.js');
    for (let i = 0; i < 6; i += 1) {
      upstream.failNext(
        { kind: 'status', status: 503 },
        { kind: 'status', status: 503 },
        { kind: 'status', status: 503 },
      );
      await invokeWithFallback(
        runtime.services.providerCircuits,
        resolved?.targets ?? [],
        () => call() as Promise<unknown>,
      ).catch(() => undefined);
    }
    // Bad requests carrying the key are refused without echoing it.
    const bad = await ctx.call(a.ownerKey, 'POST', `/v1/orgs/${a.orgId}/gateway/providers`, {
      name: 'x',
      kind: 'openai',
      base_url: `https://u:${KEY_A}@api.example.com`,
      api_key: KEY_A,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).not.toContain(KEY_A);
    await ctx.call(a.ownerKey, 'PATCH', `/v1/orgs/${a.orgId}/gateway/providers/${providerA}`, {
      api_key: KEY_A,
      name: 'renamed',
    });
    await runtime.auditBuffer.flush();

    let audit = '';
    for (const org of [a.orgId, ctx.b.orgId])
      for await (const record of runtime.audit.records(org as OrgId, {})) audit += JSON.stringify(record);
    expect(audit).toContain('gateway.provider.created');
    expect(audit).not.toContain(KEY_A);
    const logText = logs.join('');
    expect(logText).toContain('provider circuit changed state'); // the breaker opened and said so
    expect(logText).not.toContain(KEY_A);
    const raw = await testDb.superuser(`SELECT count(*)::int AS n FROM audit_events WHERE details::text LIKE $1`, [
      `%${KEY_A.slice(8)}%`,
    ]);
    expect(raw[0]?.n).toBe(0);
  });
});
