import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterCachePushBound, backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { apiClient, twoOrgs } from '../api/api-client.js';

// Attack: a service account's token is checked at its first use from what the node cached for the account and for
// its org's revocations, loaded when an earlier token of the same account was used. A token revoked, or an account
// disabled, after that load must not pass from the cache: both bump the org's cache generation, and the cached
// account and revocation list are trusted only under the generation they were loaded at.
describe(`a service account token's first use, from a warm account cache (${backendName})`, () => {
  let nodeA: TestServer;
  let nodeB: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let onB: ReturnType<typeof apiClient>;
  let orgUrl: string;

  beforeAll(async () => {
    nodeA = await createTestServer();
    nodeB = await createTestServer({ sameDatabaseAs: nodeA });
    ctx = await twoOrgs(nodeA.app, nodeA.runtime.bootstrap?.secret ?? '');
    onB = apiClient(nodeB.app);
    orgUrl = `/v1/orgs/${ctx.a.orgId}`;
  });
  afterAll(async () => {
    await nodeB.close();
    await nodeA.close();
  });

  async function serviceClient(): Promise<{ accountId: string; basic: string }> {
    const account = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/service-accounts`, {
      name: `first-use-${Math.random().toString(36).slice(2, 8)}`,
      roles: ['viewer'],
    });
    expect(account.statusCode).toBe(201);
    const accountId = account.json().id as string;
    const created = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/service-accounts/${accountId}/oauth-clients`, {});
    expect(created.statusCode).toBe(201);
    const { client_id: clientId, client_secret: secret } = created.json() as {
      client_id: string;
      client_secret: string;
    };
    return { accountId, basic: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` };
  }

  const oauth = (app: FastifyInstance, basic: string, url: string, payload: string) =>
    app.inject({
      method: 'POST',
      url,
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });

  async function mint(basic: string): Promise<string> {
    const res = await oauth(nodeA.app, basic, '/oidc/token', 'grant_type=client_credentials');
    expect(res.statusCode).toBe(200);
    return res.json().access_token as string;
  }

  async function revoke(basic: string, token: string): Promise<void> {
    const res = await oauth(nodeA.app, basic, '/oidc/token/revocation', `token=${token}`);
    expect(res.statusCode).toBe(200);
  }

  const statusOn = async (call: ReturnType<typeof apiClient>, token: string) =>
    (await call(token, 'GET', orgUrl)).statusCode;

  it('a token revoked before its first use is refused, though its account and its org were cached since', async () => {
    const { basic } = await serviceClient();
    const [used, revoked, later] = [await mint(basic), await mint(basic), await mint(basic)];
    expect(await statusOn(ctx.call, used)).toBe(200);
    await revoke(basic, revoked);
    // Another token's first use loads the account and the org's revocations again, under the bumped generation.
    expect(await statusOn(ctx.call, later)).toBe(200);
    expect(await statusOn(ctx.call, revoked)).toBe(401);
    expect(await statusOn(ctx.call, used)).toBe(200);
  });

  it("a disabled service account's token never used before is refused, though the account was cached", async () => {
    const { accountId, basic } = await serviceClient();
    const [used, unseen] = [await mint(basic), await mint(basic)];
    expect(await statusOn(ctx.call, used)).toBe(200);
    const disabled = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/service-accounts/${accountId}/disable`, {});
    expect(disabled.statusCode).toBe(200);
    expect(await statusOn(ctx.call, unseen)).toBe(401);
    expect(await statusOn(ctx.call, used)).toBe(401);
  });

  it('a token revoked through node A is refused at its first use on node B after the bound, B having cached its account', async () => {
    const { basic } = await serviceClient();
    const [used, revoked, later] = [await mint(basic), await mint(basic), await mint(basic)];
    expect(await statusOn(onB, used)).toBe(200);
    expect(await statusOn(onB, used)).toBe(200);
    await revoke(basic, revoked);
    await afterCachePushBound();
    expect(await statusOn(onB, later)).toBe(200);
    expect(await statusOn(onB, revoked)).toBe(401);
    expect(await statusOn(onB, used)).toBe(200);
  });

  it('a service account disabled through node A: its unseen token is refused on node B after the bound', async () => {
    const { accountId, basic } = await serviceClient();
    const [used, unseen] = [await mint(basic), await mint(basic)];
    expect(await statusOn(onB, used)).toBe(200);
    const disabled = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/service-accounts/${accountId}/disable`, {});
    expect(disabled.statusCode).toBe(200);
    await afterCachePushBound();
    expect(await statusOn(onB, unseen)).toBe(401);
  });
  // Last: it leaves org A with more revocations on record than a node caches.
  it('an org with more revoked tokens than a node caches: a revoked token is still refused at its first use', async () => {
    await nodeA.runtime.db.withPlatform((sql) =>
      sql.query(
        `INSERT INTO oidc_payloads (model, id, payload, expires_at)
         SELECT 'RevokedAccessToken', 'bulk-' || n, jsonb_build_object('jti', 'bulk-' || n, 'org_id', $1::text),
                now() + interval '1 hour'
           FROM generate_series(1, 1001) AS n`,
        [ctx.a.orgId],
      ),
    );
    const { basic } = await serviceClient();
    const [used, revoked, later] = [await mint(basic), await mint(basic), await mint(basic)];
    expect(await statusOn(ctx.call, used)).toBe(200);
    await revoke(basic, revoked);
    expect(await statusOn(ctx.call, later)).toBe(200);
    expect(await statusOn(ctx.call, revoked)).toBe(401);
  });
});
