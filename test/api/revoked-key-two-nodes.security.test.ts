import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterCachePushBound, backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { apiClient, twoOrgs } from './api-client.js';

// Attack: a key (or a role, an org, a policy) is taken away through one node while another node of the same
// deployment has it warm in its caches, and the attacker keeps sending requests to that other node. Every cache of
// principals, org status and policies is trusted only under the org's cache generation, which the change bumps in its
// own transaction. The node that made the change holds it on its next request; every other node learns the bump from
// the database (pushed on PostgreSQL, read when the push is not fresh) and holds it on its first request after the
// stated bound (`cachePushBoundMs`), which is what each test waits before it turns to the other node.
describe(`revocations across two nodes (${backendName})`, () => {
  let nodeA: TestServer;
  let nodeB: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let onB: ReturnType<typeof apiClient>;
  let orgUrl: string;
  const chat = { model: 'bulwark-local-chat', messages: [{ role: 'user', content: 'Say hello.' }] };

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

  async function developerKey(): Promise<{ id: string; secret: string }> {
    const res = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, {
      name: 'two nodes',
      role: 'developer',
      scopes: ['read:models', 'invoke:models', 'read:keys'],
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, secret: res.json().secret as string };
  }

  // Twice on each node, so the second request is served from that node's caches.
  async function warmOnBothNodes(key: string, method: 'GET' | 'POST', url: string, body?: unknown, status = 200) {
    for (const call of [ctx.call, onB, ctx.call, onB])
      expect((await call(key, method, url, body)).statusCode).toBe(status);
  }

  it('a key revoked through node A is refused at once on node A and after the bound on node B', async () => {
    const key = await developerKey();
    await warmOnBothNodes(key.secret, 'GET', '/v1/models');
    const revoked = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys/${key.id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect((await ctx.call(key.secret, 'GET', '/v1/models')).statusCode).toBe(401);
    await afterCachePushBound();
    for (const call of [onB, ctx.call]) {
      const res = await call(key.secret, 'GET', '/v1/models');
      expect(res.statusCode).toBe(401);
    }
    // A model call on node B is refused too (it never reaches the provider or the meter).
    expect((await onB(key.secret, 'POST', '/v1/chat/completions', chat)).statusCode).toBe(401);
  });

  it('a key rotated with no overlap through node A stops working on node B; its successor works there', async () => {
    const key = await developerKey();
    await warmOnBothNodes(key.secret, 'GET', '/v1/models');
    const rotated = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys/${key.id}/rotate`, {
      overlap_seconds: 0,
    });
    expect(rotated.statusCode).toBe(201);
    await afterCachePushBound();
    expect((await onB(key.secret, 'GET', '/v1/models')).statusCode).toBe(401);
    expect((await onB(rotated.json().secret as string, 'GET', '/v1/models')).statusCode).toBe(200);
  });

  it('a member demoted through node A loses the admin rights of their key on node B after the bound', async () => {
    const member = (
      await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/members`, {
        email: 'two-nodes@org-a.example',
        roles: ['admin'],
      })
    ).json() as { id: string; user_id: string };
    const created = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, {
      name: 'admin tooling',
      role: 'admin',
      scopes: ['read:audit', 'read:members'],
      owner: { type: 'user', id: member.user_id },
      amr: ['hwk'],
    });
    expect(created.statusCode).toBe(201);
    const key = created.json().secret as string;
    await warmOnBothNodes(key, 'GET', `${orgUrl}/audit-events?limit=1`);
    const demoted = await ctx.call(ctx.a.ownerKey, 'PATCH', `${orgUrl}/members/${member.id}`, { roles: ['developer'] });
    expect(demoted.statusCode).toBe(200);
    await afterCachePushBound();
    const onNodeB = await onB(key, 'GET', `${orgUrl}/audit-events?limit=1`);
    expect(onNodeB.statusCode).toBe(403);
    expect(onNodeB.json().code).toBe('authz.denied');
    // Removed altogether, the key no longer authenticates on node B.
    expect((await ctx.call(ctx.a.ownerKey, 'DELETE', `${orgUrl}/members/${member.id}`)).statusCode).toBe(204);
    await afterCachePushBound();
    expect((await onB(key, 'GET', `${orgUrl}/members?limit=1`)).statusCode).toBe(401);
  });

  it("a policy change through node A decides node B's first model call after the bound", async () => {
    const key = await developerKey();
    await warmOnBothNodes(key.secret, 'POST', '/v1/chat/completions', chat);
    const policies = await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/policies`);
    const put = await ctx.call(
      ctx.a.ownerKey,
      'PUT',
      `${orgUrl}/policies`,
      { text: 'forbid (principal, action == Action::"invoke:models", resource is Model);' },
      { 'if-match': String(policies.headers.etag) },
    );
    expect(put.statusCode).toBe(200);
    await afterCachePushBound();
    const refused = await onB(key.secret, 'POST', '/v1/chat/completions', chat);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('gateway.model_policy_denied');
    // Back to the built-in policies through node B: node A follows on its next request.
    const current = await onB(ctx.a.ownerKey, 'GET', `${orgUrl}/policies`);
    const reset = await onB(
      ctx.a.ownerKey,
      'PUT',
      `${orgUrl}/policies`,
      { text: '' },
      { 'if-match': String(current.headers.etag) },
    );
    expect(reset.statusCode).toBe(200);
    await afterCachePushBound();
    expect((await ctx.call(key.secret, 'POST', '/v1/chat/completions', chat)).statusCode).toBe(200);
  });

  it('an org frozen through node A has its model calls and changes on node B refused after the bound', async () => {
    const key = await developerKey();
    await warmOnBothNodes(key.secret, 'POST', '/v1/chat/completions', chat);
    const frozen = await ctx.call(ctx.platformKey, 'POST', `/v1/orgs/${ctx.a.orgId}/freeze`, { reason: 'abuse' });
    expect(frozen.statusCode).toBe(200);
    await afterCachePushBound();
    const call = await onB(key.secret, 'POST', '/v1/chat/completions', chat);
    expect(call.statusCode).toBe(423);
    const mint = await onB(ctx.a.ownerKey, 'POST', `${orgUrl}/api-keys`, { name: 'x', role: 'developer', scopes: [] });
    expect(mint.statusCode).toBe(423);
    expect(mint.json().code).toBe('tenancy.org_frozen');
    // Reads stay open on node B; unfreezing through node B opens model calls on node A again.
    expect((await onB(key.secret, 'GET', '/v1/models')).statusCode).toBe(200);
    const unfrozen = await onB(ctx.platformKey, 'POST', `/v1/orgs/${ctx.a.orgId}/unfreeze`, {
      reason: 'operator_request',
    });
    expect(unfrozen.statusCode).toBe(200);
    await afterCachePushBound();
    expect((await ctx.call(key.secret, 'POST', '/v1/chat/completions', chat)).statusCode).toBe(200);
  });
});
