// Attack: an org admin (or a stolen owner key) uploads a policy version that denies `manage:policies` or
// `read:policies` to its own author or to every owner. The org is then locked out of its policies for good.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

describe(`a policy version cannot lock an org out of its policies (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let url: string;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    url = `/v1/orgs/${ctx.a.orgId}/policies`;
  });
  afterAll(async () => {
    await server.close();
  });

  const currentVersion = async () => (await ctx.call(ctx.a.ownerKey, 'GET', url)).headers.etag;

  it.each([
    [
      'forbids manage:policies to everyone',
      '@id("freeze") forbid (principal, action == Action::"manage:policies", resource);',
    ],
    [
      'forbids read:policies to owners',
      '@id("blind") forbid (principal in Role::"owner", action == Action::"read:policies", resource);',
    ],
    [
      'allows managing policies only from an address nobody uses',
      '@id("only-from-mars") forbid (principal, action == Action::"manage:policies", resource) unless { context has ip && context.ip.isInRange(ip("203.0.113.0/24")) };',
    ],
    [
      'narrows manage:policies to a user who is not the author',
      '@id("only-alice") permit (principal == User::"usr_alice", action == Action::"manage:policies", resource);',
    ],
  ])('a version that %s is refused with authz.policy_lockout and nothing is stored', async (_what, text) => {
    const before = await currentVersion();
    const res = await ctx.call(ctx.a.ownerKey, 'PUT', url, { text }, { 'if-match': before ?? '"v0"' });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('authz.policy_lockout');
    expect(res.json().denied.length).toBeGreaterThan(0);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    expect(await currentVersion()).toBe(before);
    expect((await ctx.call(ctx.a.ownerKey, 'GET', url)).statusCode).toBe(200);
  });

  it('a version that keeps the author and owners in is stored', async () => {
    const before = await currentVersion();
    const text =
      '@id("not-mallory") forbid (principal == User::"usr_mallory", action == Action::"manage:policies", resource);';
    const res = await ctx.call(ctx.a.ownerKey, 'PUT', url, { text }, { 'if-match': before ?? '"v0"' });
    expect(res.statusCode).toBe(200);
  });

  it('a rollback to a locking version (stored before this check existed) is refused the same way', async () => {
    const latest = Number((await currentVersion())?.replace(/\D/g, ''));
    const locking = '@id("freeze") forbid (principal, action == Action::"manage:policies", resource);';
    // Plant the locking version behind the app's back, then a harmless one above it.
    await server.testDb.superuser(
      'INSERT INTO org_policies (org_id, version, policy_text, note, rolled_back_from, created_by, created_at) VALUES ($1, $2, $3, NULL, NULL, $4, now()), ($1, $5, $6, NULL, NULL, $4, now())',
      [ctx.a.orgId, latest + 1, locking, JSON.stringify({ type: 'system', id: 'test' }), latest + 2, ''],
    );
    const res = await ctx.call(
      ctx.a.ownerKey,
      'POST',
      `${url}/rollback`,
      { version: latest + 1 },
      { 'if-match': `"v${latest + 2}"` },
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('authz.policy_lockout');
    expect(await currentVersion()).toBe(`"v${latest + 2}"`);
  });

  it('another org is untouched', async () => {
    expect((await ctx.call(ctx.b.ownerKey, 'GET', `/v1/orgs/${ctx.b.orgId}/policies`)).headers.etag).toBe('"v0"');
  });
});
