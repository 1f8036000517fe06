import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { bumpOrgGeneration } from '../../src/platform/cache-generation/index.js';
import { seedDispute } from '../billing/seed-dispute.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// What stays open in a frozen org: reads by method, and the read actions (audit export and legal holds included).
const isRead = (method: string, action: string) =>
  method === 'GET' || action.startsWith('read:') || action === 'export:audit';

describe(`a frozen org is frozen on every route (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    const { orgId, ownerKey } = ctx.a;
    const member = (
      await ctx.call(ownerKey, 'POST', `/v1/orgs/${orgId}/members`, { email: 'dev@a.example', roles: ['developer'] })
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
    const services = server.runtime.services;
    const held = await services.db.withTenant(orgId as OrgId, (sql) =>
      services.quarantine.hold(sql, {
        content: 'answer',
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
        url: 'https://hooks.example.com/frozen',
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
        { 'idempotency-key': 'frozen-walk' },
      )
    ).json();
    const delivery = (
      await ctx.call(ownerKey, 'GET', `/v1/orgs/${orgId}/webhook-endpoints/${endpoint.id}/deliveries`)
    ).json().data[0];
    const { disputeId } = await seedDispute(server.app, server.runtime, ctx.call, ctx.a, 'frozen-walk-disputed');
    Object.assign(ids, {
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
    });
  });
  afterAll(async () => server.close());

  const urlFor = (template: string, orgId: string) =>
    template.replace(/:([a-z_]+)/g, (_, name: string) =>
      name === 'org_id' ? orgId : (ids[name] ?? `unknown-${name}`),
    );

  it('a frozen status set in the database is enforced on every mutating route; every read still works', async () => {
    // Behind the app's back, so every route sees the status first (freezeOrg is tested below); the org's cache
    // generation is bumped with it, through this node's database, as every change that nodes cache must do
    // (docs/architecture.md, "Hot path").
    await server.testDb.superuser(`UPDATE orgs SET status = 'frozen' WHERE id = $1`, [ctx.a.orgId]);
    await server.testDb.db.withTenant(ctx.a.orgId as OrgId, bumpOrgGeneration);
    const failures: string[] = [];
    const tenantRoutes = server.routes.filter((r) => r.url.includes(':org_id'));
    expect(tenantRoutes.filter((r) => !isRead(r.method, r.action)).length).toBeGreaterThanOrEqual(10);
    for (const route of tenantRoutes) {
      const res = await ctx.call(
        ctx.a.ownerKey,
        route.method as Method,
        urlFor(route.url, ctx.a.orgId),
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
        route.url.includes('/policies') ? { 'if-match': '"v0"' } : {},
      );
      const code = res.statusCode >= 400 ? (res.json() as { code?: string }).code : undefined;
      if (isRead(route.method, route.action)) {
        if (
          code === 'tenancy.org_frozen' ||
          res.statusCode >= 500 ||
          (route.method === 'GET' && res.statusCode !== 200)
        )
          failures.push(`read ${route.method} ${route.url} -> ${res.statusCode} ${code ?? ''}`);
      } else if (res.statusCode !== 423 || code !== 'tenancy.org_frozen')
        failures.push(`mutation ${route.method} ${route.url} -> ${res.statusCode} ${code ?? ''}`);
    }
    expect(failures).toEqual([]);
  });

  it('records each refused mutation in the frozen org’s chain with the reason code', async () => {
    await server.runtime.auditBuffer.flush();
    const reasons: string[] = [];
    for await (const record of server.runtime.audit.records(ctx.a.orgId as OrgId, { actionPrefix: 'authz.decision' }))
      if (record.decision === 'deny') reasons.push(...record.reason_codes);
    expect(reasons.filter((r) => r === 'tenancy.org_frozen').length).toBeGreaterThanOrEqual(10);
  });

  it('another org is not affected', async () => {
    const res = await ctx.call(ctx.b.ownerKey, 'POST', `/v1/orgs/${ctx.b.orgId}/service-accounts`, {
      name: 'ok',
      roles: ['service'],
    });
    expect(res.statusCode).toBe(201);
  });

  it('the platform API unfreezes and freezes an org, audited in that org’s chain with its reason', async () => {
    const unfrozen = await ctx.call(ctx.platformKey, 'POST', `/v1/orgs/${ctx.a.orgId}/unfreeze`, {
      reason: 'operator_request',
    });
    expect(unfrozen.statusCode).toBe(200);
    expect(unfrozen.json()).toMatchObject({ id: ctx.a.orgId, status: 'active' });
    expect(
      (
        await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/service-accounts`, {
          name: 'thawed',
          roles: ['service'],
        })
      ).statusCode,
    ).toBe(201);

    const frozen = await ctx.call(ctx.platformKey, 'POST', `/v1/orgs/${ctx.a.orgId}/freeze`, {
      reason: 'dispute',
      note: 'chargeback dp_123',
    });
    expect(frozen.statusCode).toBe(200);
    expect(frozen.json()).toMatchObject({ id: ctx.a.orgId, status: 'frozen' });
    const refused = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/service-accounts`, {
      name: 'again',
      roles: ['service'],
    });
    expect(refused.statusCode).toBe(423);
    expect(refused.json()).toMatchObject({ code: 'tenancy.org_frozen' });
    // A model call is refused too; a read is not.
    expect(
      (await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/guard/scan`, { text: 'hello', hook: 'input' }))
        .statusCode,
    ).toBe(423);
    expect((await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/audit-events`)).statusCode).toBe(200);
    expect(
      (await ctx.call(ctx.platformKey, 'POST', `/v1/orgs/${ctx.a.orgId}/freeze`, { reason: 'dispute' })).statusCode,
    ).toBe(409);

    const events: { action: string; reasons: string[]; details: Record<string, unknown> }[] = [];
    for await (const record of server.runtime.audit.records(ctx.a.orgId as OrgId, { actionPrefix: 'tenancy.org.' }))
      events.push({ action: record.action, reasons: record.reason_codes, details: record.details });
    expect(events.map((e) => e.action)).toEqual(['tenancy.org.created', 'tenancy.org.unfrozen', 'tenancy.org.frozen']);
    expect(events[2]).toMatchObject({
      reasons: ['tenancy.org_frozen'],
      details: { reason: 'dispute', note: 'chargeback dp_123' },
    });
    expect((await server.runtime.audit.verify(ctx.a.orgId as OrgId)).ok).toBe(true);
  });

  it('only platform owners may freeze, and the platform org cannot be frozen', async () => {
    const byTenant = await ctx.call(ctx.b.ownerKey, 'POST', `/v1/orgs/${ctx.b.orgId}/freeze`, { reason: 'dispute' });
    expect(byTenant.statusCode).toBe(403);
    const platformOrg = server.runtime.services.platformOrgId;
    const selfFreeze = await ctx.call(ctx.platformKey, 'POST', `/v1/orgs/${platformOrg}/freeze`, { reason: 'dispute' });
    expect(selfFreeze.statusCode).toBe(409);
    expect(selfFreeze.json()).toMatchObject({ code: 'tenancy.platform_org_not_freezable' });
    expect(
      (await ctx.call(ctx.platformKey, 'POST', '/v1/orgs/org_00000000000000000000000000/freeze', { reason: 'dispute' }))
        .statusCode,
    ).toBe(404);
    expect(
      (await ctx.call(ctx.platformKey, 'POST', `/v1/orgs/${ctx.b.orgId}/freeze`, { reason: 'no such reason' }))
        .statusCode,
    ).toBe(400);
  });
});
