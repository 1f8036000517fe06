import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe(`a stolen admin key does not live forever (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => server.close());

  const mint = (body: Record<string, unknown>) =>
    ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, { name: 'k', scopes: ['read:org'], ...body });

  it('an admin key with hwk gets an expiry 90 days out when none is asked for', async () => {
    const before = Date.now();
    const created = await mint({ role: 'admin', amr: ['hwk'] });
    expect(created.statusCode).toBe(201);
    const expiresAt = Date.parse(created.json().expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 90 * DAY_MS);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 90 * DAY_MS);
  });

  it('asking for a longer life is refused with the bound named', async () => {
    const created = await mint({
      role: 'finance',
      amr: ['hwk'],
      expires_at: new Date(Date.now() + 91 * DAY_MS).toISOString(),
    });
    expect(created.statusCode).toBe(400);
    expect(created.json()).toMatchObject({ code: 'authz.key_lifetime_exceeded' });
  });

  it('keys without hwk, or with a role that needs no passkey, keep the expiry asked for (none)', async () => {
    expect((await mint({ role: 'admin' })).json().expires_at).toBeNull();
    expect((await mint({ role: 'developer', amr: ['hwk'] })).json().expires_at).toBeNull();
  });

  it('rotation never extends a bounded key, and bounds a legacy unbounded one from now', async () => {
    const bounded = (
      await mint({ role: 'security', amr: ['hwk'], expires_at: new Date(Date.now() + 10 * DAY_MS).toISOString() })
    ).json();
    const rotated = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys/${bounded.id}/rotate`, {
      overlap_seconds: 0,
    });
    expect(rotated.statusCode).toBe(201);
    expect(rotated.json().expires_at).toBe(bounded.expires_at);
    // A key minted before the bound (no expiry, hwk, admin), as migration 0025's predecessors left them.
    const legacy = (await mint({ role: 'developer', amr: ['hwk'] })).json();
    await server.testDb.superuser("UPDATE api_keys SET role = 'admin' WHERE id = $1", [legacy.id]);
    const successor = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys/${legacy.id}/rotate`, {
      overlap_seconds: 0,
    });
    expect(successor.statusCode).toBe(201);
    expect(Date.parse(successor.json().expires_at)).toBeLessThanOrEqual(Date.now() + 90 * DAY_MS);
  });
});
