import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectFailure, snapshot } from '../support/inject-failure.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Fault: withIdempotency committed the effect, then stored the response in a second transaction. A crash in
// between left the key "in progress" for 24 hours: every retry got 409 while the first key existed unseen.
describe(`idempotency record commits with its effect (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let url: string;
  const keysNamed = async (name: string) =>
    (await server.testDb.superuser('SELECT id FROM api_keys WHERE name = $1', [name])).map((r) => String(r.id));

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    url = `/v1/orgs/${ctx.a.orgId}/api-keys`;
  });
  afterAll(async () => server.close());

  it('a crash while storing the response leaves no key and no record; the retry creates the key, then replays it', async () => {
    const body = { name: 'deploy-crash', role: 'developer', scopes: ['read:keys'] };
    const headers = { 'idempotency-key': 'crash-window-1' };
    const tables = ['api_keys', 'idempotency_keys', 'audit_events'];
    const before = await snapshot(server.testDb, tables);
    // The response-store step is the UPDATE of the claimed row; make it fail as a crash would interrupt it.
    const restore = await injectFailure(server.testDb, 'idempotency_keys', 'UPDATE');
    const crashed = await ctx.call(ctx.a.ownerKey, 'POST', url, body, headers);
    await restore();
    expect(crashed.statusCode).toBeGreaterThanOrEqual(500);
    expect(await snapshot(server.testDb, tables)).toEqual(before);
    expect(await keysNamed('deploy-crash')).toEqual([]);

    const retried = await ctx.call(ctx.a.ownerKey, 'POST', url, body, headers);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    const replayed = await ctx.call(ctx.a.ownerKey, 'POST', url, body, headers);
    expect(replayed.statusCode).toBe(201);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json().id).toBe(retried.json().id);
    expect(await keysNamed('deploy-crash')).toEqual([retried.json().id]);
  });

  it('20 concurrent requests with one key create exactly one key and all get its response', async () => {
    const body = { name: 'deploy-concurrent', role: 'developer', scopes: ['read:keys'] };
    const headers = { 'idempotency-key': 'concurrent-1' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => ctx.call(ctx.a.ownerKey, 'POST', url, body, headers)),
    );
    const created = await keysNamed('deploy-concurrent');
    expect(created).toHaveLength(1);
    expect(responses.map((r) => r.statusCode)).toEqual(Array.from({ length: 20 }, () => 201));
    expect(new Set(responses.map((r) => r.json().id))).toEqual(new Set(created));
    expect(responses.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
  });

  it('the same key with another body is still refused with 409', async () => {
    const headers = { 'idempotency-key': 'concurrent-1' };
    const other = await ctx.call(
      ctx.a.ownerKey,
      'POST',
      url,
      { name: 'something-else', role: 'developer', scopes: ['read:keys'] },
      headers,
    );
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('http.idempotency_conflict');
  });
});
