import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Attacks: an admin demotes or removes an owner, changes an owner's attributes, disables an owner-role service
// account, or raises their own roles (within what an admin may grant). Only an owner may change or remove an
// owner; nobody raises their own roles; the last-owner rule stays.
describe(`owner protection (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let orgUrl: string;
  let admin: { id: string; user_id: string };
  let adminKey: string;
  let secondOwner: { id: string; user_id: string };

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    orgUrl = `/v1/orgs/${ctx.a.orgId}`;
    admin = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/members`, { email: 'admin@org-a.example', roles: ['admin'] })
    ).json();
    secondOwner = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/members`, { email: 'owner2@org-a.example', roles: ['owner'] })
    ).json();
    const key = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, {
      name: 'admin',
      role: 'admin',
      scopes: ['read:members', 'manage:members', 'manage:service-accounts', 'read:service-accounts'],
      owner: { type: 'user', id: admin.user_id },
      amr: ['hwk'],
    });
    expect(key.statusCode).toBe(201);
    adminKey = key.json().secret;
  });
  afterAll(async () => server.close());

  async function rolesOf(memberId: string): Promise<string[]> {
    const listed = (await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/members?limit=200`)).json().data as {
      id: string;
      roles: string[];
      attributes: unknown;
    }[];
    return listed.find((m) => m.id === memberId)?.roles ?? [];
  }

  it('refuses an admin demoting, re-attributing or removing an owner', async () => {
    const demote = await ctx.call(adminKey, 'PATCH', `${orgUrl}/members/${secondOwner.id}`, { roles: ['viewer'] });
    expect(demote.statusCode).toBe(403);
    expect(demote.json().code).toBe('tenancy.owner_protected');
    const attributes = await ctx.call(adminKey, 'PATCH', `${orgUrl}/members/${secondOwner.id}`, {
      attributes: { region: 'us' },
    });
    expect(attributes.statusCode).toBe(403);
    expect(attributes.json().code).toBe('tenancy.owner_protected');
    const remove = await ctx.call(adminKey, 'DELETE', `${orgUrl}/members/${secondOwner.id}`);
    expect(remove.statusCode).toBe(403);
    expect(remove.json().code).toBe('tenancy.owner_protected');
    expect(await rolesOf(secondOwner.id)).toEqual(['owner']);
  });

  it('refuses anyone raising their own roles, even to a role they may grant others', async () => {
    const raise = await ctx.call(adminKey, 'PATCH', `${orgUrl}/members/${admin.id}`, { roles: ['admin', 'finance'] });
    expect(raise.statusCode).toBe(403);
    expect(raise.json().code).toBe('tenancy.self_elevation');
    expect(await rolesOf(admin.id)).toEqual(['admin']);
    // Giving a role up is fine, and so is giving another member a role the admin may grant.
    const other = (
      await ctx.call(adminKey, 'POST', `${orgUrl}/members`, { email: 'fin@org-a.example', roles: ['viewer'] })
    ).json();
    expect(
      (await ctx.call(adminKey, 'PATCH', `${orgUrl}/members/${other.id}`, { roles: ['finance'] })).statusCode,
    ).toBe(200);
  });

  it('refuses an admin disabling an owner-role service account, and creating one', async () => {
    const account = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/service-accounts`, {
        name: 'root automation',
        roles: ['owner'],
      })
    ).json();
    const disable = await ctx.call(adminKey, 'POST', `${orgUrl}/service-accounts/${account.id}/disable`);
    expect(disable.statusCode).toBe(403);
    expect(disable.json().code).toBe('tenancy.owner_protected');
    const create = await ctx.call(adminKey, 'POST', `${orgUrl}/service-accounts`, {
      name: 'escalate',
      roles: ['owner'],
    });
    expect(create.statusCode).toBe(403);
    expect(create.json().code).toBe('authz.role_not_grantable');
  });

  it('lets an owner change another owner, and keeps the last owner', async () => {
    const changed = await ctx.call(ctx.a.ownerKey, 'PATCH', `${orgUrl}/members/${secondOwner.id}`, {
      roles: ['admin'],
    });
    expect(changed.statusCode).toBe(200);
    const members = (await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/members?limit=200`)).json().data as {
      id: string;
      user_id: string;
    }[];
    const firstOwner = members.find((m) => m.user_id === ctx.a.ownerUserId);
    const last = await ctx.call(ctx.a.ownerKey, 'PATCH', `${orgUrl}/members/${firstOwner?.id}`, { roles: ['admin'] });
    expect(last.statusCode).toBe(409);
    expect(await rolesOf(firstOwner?.id ?? '')).toEqual(['owner']);
  });

  it('refuses the last active owner stepping down beside a disabled co-owner, whose account nobody can use', async () => {
    const dormant = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/members`, { email: 'owner3@org-a.example', roles: ['owner'] })
    ).json();
    await server.testDb.superuser("UPDATE users SET status = 'disabled' WHERE id = $1", [dormant.user_id]);
    const members = (await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/members?limit=200`)).json().data as {
      id: string;
      user_id: string;
    }[];
    const activeOwner = members.find((m) => m.user_id === ctx.a.ownerUserId);
    const stepDown = await ctx.call(ctx.a.ownerKey, 'PATCH', `${orgUrl}/members/${activeOwner?.id}`, {
      roles: ['admin'],
    });
    expect(stepDown.statusCode).toBe(409);
    expect(await rolesOf(activeOwner?.id ?? '')).toEqual(['owner']);
  });
});
