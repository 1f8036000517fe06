import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Attack: a security-role key (it may manage keys) rotates the org owner's first key and so receives an owner
// key with every scope and its secret; with it, it adds an outside owner. Rotation must check like creation.
describe(`key rotation escalation (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let orgUrl: string;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    orgUrl = `/v1/orgs/${ctx.a.orgId}`;
  });
  afterAll(async () => server.close());

  async function memberKey(email: string, roles: string[], key: { role: string; scopes: string[] }) {
    const member = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/members`, { email, roles });
    expect(member.statusCode).toBe(201);
    const created = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, {
      name: email,
      ...key,
      owner: { type: 'user', id: member.json().user_id },
      amr: ['hwk'],
    });
    expect(created.statusCode).toBe(201);
    return created.json() as { id: string; secret: string };
  }

  async function keyIds(): Promise<string[]> {
    const listed = await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/api-keys?limit=200`);
    return listed.json().data.map((k: { id: string }) => k.id);
  }

  it('refuses a security key rotating the owner key, leaving the owner key as it was', async () => {
    const security = await memberKey('sec@org-a.example', ['security'], {
      role: 'security',
      scopes: ['read:keys', 'manage:keys'],
    });
    const keys = (await ctx.call(security.secret, 'GET', `${orgUrl}/api-keys?limit=200`)).json().data as {
      id: string;
      role: string;
      expires_at: string | null;
    }[];
    const ownerKey = keys.find((k) => k.role === 'owner');
    expect(ownerKey).toBeDefined();
    const before = await keyIds();

    const rotated = await ctx.call(security.secret, 'POST', `${orgUrl}/api-keys/${ownerKey?.id}/rotate`, {
      overlap_seconds: 0,
    });
    expect(rotated.statusCode).toBe(403);
    expect(rotated.json().code).toBe('authz.role_not_grantable');
    expect(rotated.body).not.toContain('bwk_');

    expect(await keyIds()).toEqual(before);
    const shown = await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/api-keys/${ownerKey?.id}`);
    expect(shown.json().expires_at).toBe(ownerKey?.expires_at);
    expect((await ctx.call(ctx.a.ownerKey, 'GET', orgUrl)).statusCode).toBe(200);
  });

  it('refuses a rotation by a key that lacks some of the rotated key’s scopes', async () => {
    const wide = await memberKey('wide@org-a.example', ['admin'], {
      role: 'admin',
      scopes: ['read:members', 'read:audit', 'read:keys'],
    });
    const narrow = await memberKey('narrow@org-a.example', ['admin'], { role: 'admin', scopes: ['manage:keys'] });
    const rotated = await ctx.call(narrow.secret, 'POST', `${orgUrl}/api-keys/${wide.id}/rotate`, {
      overlap_seconds: 60,
    });
    expect(rotated.statusCode).toBe(403);
    expect(rotated.json().code).toBe('authz.role_not_grantable');
  });

  it('still lets a principal that could create the key rotate it, and a developer its own key', async () => {
    const security = await memberKey('sec2@org-a.example', ['security'], { role: 'security', scopes: ['read:keys'] });
    const byOwner = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys/${security.id}/rotate`, {
      overlap_seconds: 60,
    });
    expect(byOwner.statusCode).toBe(201);
    expect(byOwner.json()).toMatchObject({ role: 'security', scopes: ['read:keys'], rotated_from: security.id });

    const developer = await memberKey('dev@org-a.example', ['developer'], {
      role: 'developer',
      scopes: ['manage:keys', 'read:models'],
    });
    const own = await ctx.call(developer.secret, 'POST', `${orgUrl}/api-keys/${developer.id}/rotate`, {
      overlap_seconds: 0,
    });
    expect(own.statusCode).toBe(201);
    expect((await ctx.call(developer.secret, 'GET', orgUrl)).statusCode).toBe(401);
  });

  it('bounds overlap_seconds in the use case too: 0 expires now, more than 7 days or a negative value is refused', async () => {
    const target = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, {
        name: 'bounded',
        role: 'viewer',
        scopes: ['read:org'],
      })
    ).json();
    const ownerPrincipal = {
      kind: 'user' as const,
      id: ctx.a.ownerUserId,
      orgId: ctx.a.orgId as never,
      roles: ['owner' as const],
      attributes: {},
      amr: ['hwk'],
    };
    for (const overlap of [-1, 7 * 86_400 + 1, 1.5, Number.NaN]) {
      const attempt = server.runtime.services.db.withTenant(ctx.a.orgId as never, (sql) =>
        server.runtime.services.apiKeys.rotate(sql, ownerPrincipal, target.id, overlap),
      );
      await expect(attempt).rejects.toMatchObject({ code: 'http.bad_request' });
    }
    const tooLong = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys/${target.id}/rotate`, {
      overlap_seconds: 7 * 86_400 + 1,
    });
    expect(tooLong.statusCode).toBe(400);
    const listed = (await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/api-keys?limit=200`)).json().data as {
      rotated_from: string | null;
    }[];
    expect(listed.filter((k) => k.rotated_from === target.id)).toEqual([]);
  });
});
