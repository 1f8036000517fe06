import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { seedDispute } from '../billing/seed-dispute.js';
import { listeningOidcServer } from '../oidc/oidc-test-server.js';
import { memberAndApp, passkeySignIn } from '../oidc/user-sign-in.js';
import { backendName } from '../support/test-db.js';
import type { TestServer } from '../support/test-server.js';
import type { twoOrgs } from './api-client.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Every tenant table's rows of one org, as a comparable fingerprint (read as the superuser). */
async function fingerprint(server: TestServer, orgId: string): Promise<Record<string, string>> {
  const tables = await server.testDb.superuser(
    `SELECT table_name AS t FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'org_id' ORDER BY table_name`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables as { t: string }[]) {
    const rows = await server.testDb.superuser(
      `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h, count(*)::int AS n FROM ${t} x WHERE org_id = $1`,
      [orgId],
    );
    out[t] = `${rows[0]?.n}:${rows[0]?.h}`;
  }
  return out;
}

// The credentials of org A's owner that the matrix runs with: an API key, the owner's own access token (signed in
// with a passkey, so it carries every owner action), and a service account's access token.
const CREDENTIALS = ['API key', 'user access token', 'service account access token'] as const;
type Credential = (typeof CREDENTIALS)[number];

describe(`tenant isolation across every route (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  const ids: Record<'a' | 'b', Record<string, string>> = { a: {}, b: {} };
  const credentials = {} as Record<Credential, string>;

  beforeAll(async () => {
    const oidc = await listeningOidcServer();
    server = oidc.server;
    ctx = oidc.orgs;
    for (const side of ['a', 'b'] as const) {
      const { orgId, ownerKey } = ctx[side];
      const member = (
        await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/members`, {
          email: `dev@${side}.example`,
          roles: ['developer'],
        })
      ).json();
      const account = (
        await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/service-accounts`, { name: 'batch', roles: ['service'] })
      ).json();
      const key = (
        await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/api-keys`, {
          name: 'k',
          role: 'viewer',
          scopes: ['read:org'],
        })
      ).json();
      await ctx.call(
        ownerKey,
        'PUT',
        `/v1/orgs/${orgId}/policies`,
        {
          text: '@id("x")\nforbid (principal, action == Action::"read:pii", resource) when { context has riskScore && context.riskScore > 90 };',
        },
        { 'if-match': '"v0"' },
      );
      const services = server.runtime.services;
      const held = await services.db.withTenant(orgId as OrgId, (sql) =>
        services.quarantine.hold(sql, {
          content: `secret answer of ${side}`,
          hook: 'output',
          findings: [],
          reasonCodes: ['guard.blocked'],
          actor: { type: 'system', id: null },
        }),
      );
      const provider = (
        await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/gateway/providers`, {
          name: 'upstream',
          kind: 'openai-compatible',
          base_url: 'http://127.0.0.1:9/v1',
        })
      ).json();
      const model = (
        await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/gateway/models`, {
          name: 'team-model',
          region: 'eu',
          targets: [{ provider_id: provider.id, upstream_model: 'm' }],
        })
      ).json();
      const endpoint = (
        await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/webhook-endpoints`, {
          url: `https://hooks.example.com/${side}`,
          event_types: ['billing.*'],
        })
      ).json();
      const card = (
        await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/billing/payment-methods`, { token: 'pm_card_visa' })
      ).json();
      const payment = (
        await ctx.call(
          ownerKey,
          'POST',
          `/v1/orgs/${orgId}/billing/payments`,
          { payment_method_id: card.id, amount: 1_000, currency: 'usd' },
          { 'idempotency-key': `matrix-${side}` },
        )
      ).json();
      // The payment's event made a delivery to the endpoint (queued: no job runner runs here).
      const delivery = (
        await ctx.call(ownerKey, 'GET', `/v1/orgs/${orgId}/webhook-endpoints/${endpoint.id}/deliveries`)
      ).json().data[0];
      const { disputeId } = await seedDispute(server.app, server.runtime, ctx.call, ctx[side], `disputed-${side}`);
      ids[side] = {
        endpoint_id: endpoint.id,
        delivery_id: delivery.id,
        dispute_id: disputeId,
        payment_id: payment.id,
        member_id: member.id,
        service_account_id: account.id,
        key_id: key.id,
        item_id: held.id,
        provider_id: provider.id,
        model_id: model.id,
      };
    }
    credentials['API key'] = ctx.a.ownerKey;
    // A second owner of A, who signs in with a passkey (the first one's passkey is the setup's).
    const { rp, userId } = await memberAndApp(oidc, ['owner'], 'second-owner@org-a.example');
    credentials['user access token'] = (
      await passkeySignIn(oidc, rp, 'second-owner@org-a.example')
    ).tokens.access_token;
    expect(userId).toMatch(/^usr_/);
    const service = await oidc.serviceClient(ctx.a.ownerKey, ctx.a.orgId, ['admin']);
    credentials['service account access token'] = await oidc.clientCredentialsToken(service);
    await server.runtime.auditBuffer.flush();
  });
  afterAll(async () => server.close());

  function urlFor(template: string, org: 'a' | 'b', resources: 'a' | 'b'): string {
    return template.replace(/:([a-z_]+)/g, (_, name: string) =>
      name === 'org_id' ? ctx[org].orgId : (ids[resources][name] ?? `unknown-${name}`),
    );
  }

  it('covers a real route table', () => {
    const tenantRoutes = server.routes.filter((r) => r.url.includes(':org_id'));
    expect(tenantRoutes.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CREDENTIALS)(
    "refuses org A's owner (%s) on every route of org B and changes nothing of B's",
    async (kind) => {
      const before = await fingerprint(server, ctx.b.orgId);
      const failures: string[] = [];
      for (const route of server.routes.filter((r) => r.url.includes(':org_id'))) {
        const res = await ctx.call(
          credentials[kind],
          route.method as Method,
          urlFor(route.url, 'b', 'b'),
          route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
          route.url.includes('/policies') ? { 'if-match': '"v1"' } : {},
        );
        if (res.statusCode !== 404 && res.statusCode !== 403)
          failures.push(`${route.method} ${route.url} -> ${res.statusCode}`);
        else {
          // The problem's `instance` echoes the path the caller sent; anything else about B would be a leak.
          const { instance: _echo, ...rest } = res.json() as Record<string, unknown>;
          const shown = JSON.stringify(rest);
          if (shown.includes('secret answer of b') || Object.values(ids.b).some((id) => shown.includes(id)))
            failures.push(`${route.method} ${route.url} leaked B data`);
        }
      }
      expect(failures).toEqual([]);
      await server.runtime.auditBuffer.flush();
      expect(await fingerprint(server, ctx.b.orgId)).toEqual(before);
    },
  );

  it("cannot reach B's resources through A's own org path either (row-level security hides them)", async () => {
    const before = await fingerprint(server, ctx.b.orgId);
    const failures: string[] = [];
    const withResourceIds = server.routes.filter((r) =>
      /:(member_id|service_account_id|key_id|item_id|provider_id|model_id|payment_id|endpoint_id)/.test(r.url),
    );
    expect(withResourceIds.length).toBeGreaterThanOrEqual(8);
    const bodies: Record<string, unknown> = { PATCH: { roles: ['viewer'] }, POST: {} };
    for (const route of withResourceIds) {
      const body = route.url.endsWith('/rotate') ? { overlap_seconds: 0 } : bodies[route.method];
      const res = await ctx.call(ctx.a.ownerKey, route.method as Method, urlFor(route.url, 'a', 'b'), body);
      if (res.statusCode < 400 || res.statusCode >= 500)
        failures.push(`${route.method} ${route.url} -> ${res.statusCode} ${res.body.slice(0, 120)}`);
      if (res.body.includes('secret answer of b')) failures.push(`${route.method} ${route.url} leaked B content`);
    }
    expect(failures).toEqual([]);
    await server.runtime.auditBuffer.flush();
    expect(await fingerprint(server, ctx.b.orgId)).toEqual(before);
  });

  it.each(CREDENTIALS.slice(0, 2))(
    "serves the same routes to A's owner (%s) on A (the matrix is not vacuous)",
    async (kind) => {
      for (const route of server.routes.filter(
        (r) => r.url.includes(':org_id') && r.method === 'GET' && !r.url.endsWith('/export'),
      )) {
        const res = await ctx.call(credentials[kind], 'GET', urlFor(route.url, 'a', 'a'));
        expect(`${route.url} -> ${res.statusCode}`).toBe(`${route.url} -> 200`);
      }
    },
  );

  it('records every cross-tenant attempt in the attacker’s own chain, never in the victim’s', async () => {
    await server.runtime.auditBuffer.flush();
    const reasons: string[] = [];
    for await (const record of server.runtime.audit.records(ctx.a.orgId as OrgId, { actionPrefix: 'authz.decision' }))
      reasons.push(...record.reason_codes);
    expect(reasons.filter((r) => r === 'authz.tenant_boundary').length).toBeGreaterThanOrEqual(20);
    expect((await server.runtime.audit.verify(ctx.b.orgId as OrgId)).ok).toBe(true);
  });
});
