import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const YEAR_MS = 365 * 86_400_000;

// The millisecond time a ULID-like id body would carry in its first 10 characters.
function idTime(id: string): number {
  return [...id.slice(4, 14)].reduce((acc, ch) => acc * 32 + CROCKFORD.indexOf(ch), 0);
}

// Attack: org A adds a member by an e-mail that exists in org B and reads, in the answer, B's display name for
// them and proof that the account exists. An org sees only the profile it (or the user) set for its own membership.
describe(`member profile leak (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => server.close());

  const add = (key: string, orgId: string, body: Record<string, unknown>) =>
    ctx.call(key, 'POST', `/v1/orgs/${orgId}/members`, { roles: ['viewer'], ...body });

  it("never shows another org's display name, and answers alike for a known and an unknown e-mail", async () => {
    const inB = await add(ctx.b.ownerKey, ctx.b.orgId, {
      email: 'Alice@Shared.example',
      display_name: 'Alice (org B, finance team)',
    });
    expect(inB.statusCode).toBe(201);

    const known = await add(ctx.a.ownerKey, ctx.a.orgId, { email: 'alice@shared.example' });
    const unknown = await add(ctx.a.ownerKey, ctx.a.orgId, { email: 'nobody-yet@shared.example' });
    expect(known.statusCode).toBe(201);
    expect(unknown.statusCode).toBe(201);
    expect(known.body).not.toContain('org B');
    const strip = (m: Record<string, unknown>) => ({ ...m, id: '', user_id: '', email: '', created_at: '' });
    expect(strip(known.json())).toEqual(strip(unknown.json()));
    expect(known.json().display_name).toBe('');
    expect(known.json().email).toBe('alice@shared.example');
    // The user id carries no creation time that would tell an old account from a new one.
    for (const res of [known, unknown])
      expect(Math.abs(idTime(res.json().user_id) - Date.now())).toBeGreaterThan(YEAR_MS);

    const listedInA = JSON.stringify(
      (await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/members?limit=200`)).json(),
    );
    expect(listedInA).not.toContain('org B');
  });

  it("keeps each org's own display name for the same user", async () => {
    await add(ctx.b.ownerKey, ctx.b.orgId, { email: 'bob@shared.example', display_name: 'Bob in B' });
    const inA = await add(ctx.a.ownerKey, ctx.a.orgId, { email: 'bob@shared.example', display_name: 'Robert in A' });
    expect(inA.json().display_name).toBe('Robert in A');
    const listedInB = (await ctx.call(ctx.b.ownerKey, 'GET', `/v1/orgs/${ctx.b.orgId}/members?limit=200`)).json()
      .data as { email: string; display_name: string }[];
    expect(listedInB.find((m) => m.email === 'bob@shared.example')?.display_name).toBe('Bob in B');
  });
});
