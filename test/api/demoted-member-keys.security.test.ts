import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Attack: an admin is demoted, but the admin-role key they made before keeps working as an admin key: it reads
// the audit log, mints another admin key and re-promotes its owner. A key acts with the lesser of its ceiling and
// its owner's current roles, decided on every request, cached decisions included.
describe(`demoted member keys (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let orgUrl: string;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    orgUrl = `/v1/orgs/${ctx.a.orgId}`;
  });
  afterAll(async () => server.close());

  async function adminWithKey(email: string) {
    const member = (await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/members`, { email, roles: ['admin'] })).json();
    const key = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, {
      name: 'admin tooling',
      role: 'admin',
      scopes: ['read:audit', 'read:members', 'manage:members', 'manage:keys', 'read:keys', 'read:models'],
      owner: { type: 'user', id: member.user_id },
      amr: ['hwk'],
    });
    expect(key.statusCode).toBe(201);
    return { member: member as { id: string; user_id: string }, key: key.json().secret as string };
  }

  it('takes a demotion into account on the next request, a cached allow included', async () => {
    const { member, key } = await adminWithKey('demoted@org-a.example');
    // Twice, so the second allow comes from the decision cache.
    expect((await ctx.call(key, 'GET', `${orgUrl}/audit-events?limit=1`)).statusCode).toBe(200);
    expect((await ctx.call(key, 'GET', `${orgUrl}/audit-events?limit=1`)).statusCode).toBe(200);

    const demoted = await ctx.call(ctx.a.ownerKey, 'PATCH', `${orgUrl}/members/${member.id}`, { roles: ['developer'] });
    expect(demoted.statusCode).toBe(200);

    const audit = await ctx.call(key, 'GET', `${orgUrl}/audit-events?limit=1`);
    expect(audit.statusCode).toBe(403);
    expect(audit.json().code).toBe('authz.denied');

    const minted = await ctx.call(key, 'POST', `${orgUrl}/api-keys`, {
      name: 'again',
      role: 'admin',
      scopes: ['read:audit'],
      amr: ['hwk'],
    });
    expect(minted.statusCode).toBe(403);

    const repromoted = await ctx.call(key, 'PATCH', `${orgUrl}/members/${member.id}`, { roles: ['admin'] });
    expect(repromoted.statusCode).toBe(403);
    const after = (await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/members?limit=200`))
      .json()
      .data.find((m: { id: string }) => m.id === member.id);
    expect(after.roles).toEqual(['developer']);

    // The key now acts as a developer (its owner's current role, within the admin ceiling): members are out of reach.
    expect((await ctx.call(key, 'GET', `${orgUrl}/members?limit=1`)).statusCode).toBe(403);
  });

  it('gives the key back only what a re-promotion by an owner gives its owner', async () => {
    const { member, key } = await adminWithKey('again@org-a.example');
    await ctx.call(ctx.a.ownerKey, 'PATCH', `${orgUrl}/members/${member.id}`, { roles: ['viewer'] });
    expect((await ctx.call(key, 'GET', `${orgUrl}/members?limit=1`)).statusCode).toBe(403);
    await ctx.call(ctx.a.ownerKey, 'PATCH', `${orgUrl}/members/${member.id}`, { roles: ['admin'] });
    expect((await ctx.call(key, 'GET', `${orgUrl}/members?limit=1`)).statusCode).toBe(200);
  });

  it('never lets a key exceed its ceiling when its owner holds more', async () => {
    const owner2 = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/members`, {
        email: 'viewer-key@org-a.example',
        roles: ['admin'],
      })
    ).json();
    const viewerKey = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, {
        name: 'v',
        role: 'viewer',
        scopes: ['read:org', 'read:members'],
        owner: { type: 'user', id: owner2.user_id },
      })
    ).json();
    // read:members is beyond a viewer: refused at creation as a scope the key can never use.
    expect(viewerKey.code).toBe('authz.scopes_unusable');
    const ok = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, {
        name: 'v',
        role: 'viewer',
        scopes: ['read:org'],
        owner: { type: 'user', id: owner2.user_id },
      })
    ).json();
    expect((await ctx.call(ok.secret, 'GET', orgUrl)).statusCode).toBe(200);
    expect((await ctx.call(ok.secret, 'GET', `${orgUrl}/members`)).statusCode).toBe(403);
  });

  it('stops a removed member’s key at once', async () => {
    const { member, key } = await adminWithKey('removed@org-a.example');
    expect((await ctx.call(key, 'GET', `${orgUrl}/members?limit=1`)).statusCode).toBe(200);
    expect((await ctx.call(ctx.a.ownerKey, 'DELETE', `${orgUrl}/members/${member.id}`)).statusCode).toBe(204);
    expect((await ctx.call(key, 'GET', `${orgUrl}/members?limit=1`)).statusCode).toBe(401);
  });
});
