import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Observed: a key with role viewer and scopes read:members and read:audit was created, and every use was denied.
// A key whose role (after its owner's current roles) can never use one of its scopes is refused at creation.
describe(`unusable key scopes (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let keysUrl: string;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    keysUrl = `/v1/orgs/${ctx.a.orgId}/api-keys`;
  });
  afterAll(async () => server.close());

  it('refuses a key none of whose scopes its role can use, naming them', async () => {
    const res = await ctx.call(ctx.a.ownerKey, 'POST', keysUrl, {
      name: 'dead',
      role: 'viewer',
      scopes: ['read:members', 'read:audit'],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'authz.scopes_unusable', scopes: ['read:members', 'read:audit'] });
    expect(res.json().detail).toContain('read:members');
  });

  it('refuses a key with some unusable scopes, naming only those', async () => {
    const res = await ctx.call(ctx.a.ownerKey, 'POST', keysUrl, {
      name: 'half',
      role: 'viewer',
      scopes: ['read:org', 'read:audit'],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'authz.scopes_unusable', scopes: ['read:audit'] });
  });

  it('counts the hardware-key requirement and the owner’s current roles', async () => {
    const noHwk = await ctx.call(ctx.a.ownerKey, 'POST', keysUrl, {
      name: 'no hwk',
      role: 'admin',
      scopes: ['read:members', 'manage:members'],
    });
    expect(noHwk.json()).toMatchObject({ code: 'authz.scopes_unusable', scopes: ['manage:members'] });
    const dev = (
      await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/members`, {
        email: 'dev@org-a.example',
        roles: ['developer'],
      })
    ).json();
    const aboveOwner = await ctx.call(ctx.a.ownerKey, 'POST', keysUrl, {
      name: 'admin ceiling',
      role: 'admin',
      scopes: ['read:models', 'read:audit'],
      owner: { type: 'user', id: dev.user_id },
    });
    expect(aboveOwner.json()).toMatchObject({ code: 'authz.scopes_unusable', scopes: ['read:audit'] });
  });

  it('accepts keys whose scopes the role can use, conditionally included', async () => {
    const dev = (
      await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/members`, {
        email: 'dev2@org-a.example',
        roles: ['developer', 'analyst'],
      })
    ).json();
    const owned = { owner: { type: 'user', id: dev.user_id } };
    // Developers manage only their own keys (and need a hardware key for it); analysts read PII in their region.
    expect(
      (
        await ctx.call(ctx.a.ownerKey, 'POST', keysUrl, {
          name: 'own keys',
          role: 'developer',
          scopes: ['read:keys', 'manage:keys'],
          amr: ['hwk'],
          ...owned,
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await ctx.call(ctx.a.ownerKey, 'POST', keysUrl, {
          name: 'pii',
          role: 'analyst',
          scopes: ['read:pii', 'read:documents'],
          ...owned,
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await ctx.call(ctx.a.ownerKey, 'POST', keysUrl, {
          name: 'viewer',
          role: 'viewer',
          scopes: ['read:org', 'read:documents'],
        })
      ).statusCode,
    ).toBe(201);
  });
});
