import { PassThrough } from 'node:stream';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { buildApp, openRuntime, type Runtime } from '../../src/main.js';
import { createLogger } from '../../src/platform/logger/index.js';
import { backendName, createTestDb, type TestDb } from '../support/test-db.js';
import { twoOrgs } from './api-client.js';

// Item 11: errors say what to do (the missing scope, the content type to send) and request logs say what happened.
describe(`first-hour errors and request logs (${backendName})`, () => {
  let app: FastifyInstance;
  let runtime: Runtime;
  let testDb: TestDb;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulwark-test-'));
    const config = loadConfig({ env: { BULWARK_ENV: 'test', BULWARK_DATA_DIR: dataDir, BULWARK_LOG_LEVEL: 'info' } });
    const out = new PassThrough();
    let buffered = '';
    out.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
    });
    testDb = await createTestDb();
    runtime = await openRuntime(config, {
      db: testDb.db,
      ownerDb: testDb.owner,
      clock: systemClock,
      logger: createLogger({ level: 'info', destination: out }),
    });
    app = await buildApp(runtime, { accepting: true }, []);
    await app.ready();
    ctx = await twoOrgs(app, runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => {
    await app.close();
    await runtime.close();
    await testDb.close();
  });

  it('names the missing scope in a 403', async () => {
    const key = (
      await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
        name: 'reader',
        role: 'admin',
        scopes: ['read:members'],
      })
    ).json().secret as string;
    const denied = await ctx.call(key, 'GET', `/v1/orgs/${ctx.a.orgId}/api-keys`);
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'authz.scope_missing', missing_scope: 'read:keys' });
    expect(denied.json().detail).toContain('read:keys');
  });

  it('says which content type to send in a 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/orgs/${ctx.a.orgId}/service-accounts`,
      headers: { authorization: `Bearer ${ctx.a.ownerKey}`, 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('http.unsupported_media_type');
    expect(res.json().detail).toContain('application/json');
    expect(res.json().accepted_content_types).toEqual(['application/json']);
  });

  it('logs method, route, status, duration, org and key id for every request, without the raw URL', async () => {
    const res = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/members?limit=7`);
    expect(res.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const line = lines.find((l) => l.msg === 'request completed' && l.reqId === res.headers['x-request-id']);
    expect(line).toMatchObject({ method: 'GET', route: '/v1/orgs/:org_id/members', status: 200, org_id: ctx.a.orgId });
    expect(typeof line?.duration_ms).toBe('number');
    expect(String(line?.key_id)).toMatch(/^key_/);
    expect(JSON.stringify(line)).not.toContain('limit=7');
    expect(lines.some((l) => 'req' in l && JSON.stringify(l.req) === '{}')).toBe(false);
  });
});
