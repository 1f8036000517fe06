import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

describe(`gateway usage, limits and prices over HTTP (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  }, 120_000);
  afterAll(async () => server.close());

  it('sets limits with If-Match (428 without, 412 when stale) and reads them back with this period’s use', async () => {
    const url = `/v1/orgs/${ctx.a.orgId}/gateway/limits`;
    const body = {
      monthly_tokens: 1_000_000,
      rpm: 600,
      budget: { monthly_micros: 50_000_000, alert_thresholds: [80, 50] },
      caps: [{ subject: 'role', id: 'developer', period: 'day', limit_micros: 1_000_000 }],
    };
    const initial = await ctx.call(ctx.a.ownerKey, 'GET', url);
    expect([initial.statusCode, initial.headers.etag, initial.json().budget]).toEqual([200, '"v0"', null]);
    expect((await ctx.call(ctx.a.ownerKey, 'PUT', url, body)).statusCode).toBe(428);
    const put = await ctx.call(ctx.a.ownerKey, 'PUT', url, body, { 'if-match': '"v0"' });
    expect(put.statusCode).toBe(200);
    expect(put.headers.etag).toBe('"v1"');
    expect(put.json()).toMatchObject({
      version: 1,
      monthly_tokens: 1_000_000,
      rpm: 600,
      tpm: null,
      cost_guard: 'block',
      budget: { monthly_micros: 50_000_000, alert_thresholds: [50, 80] },
      caps: [{ subject: 'role', id: 'developer', period: 'day', limit_micros: 1_000_000, current: null }],
    });
    expect((await ctx.call(ctx.a.ownerKey, 'PUT', url, body, { 'if-match': '"v0"' })).statusCode).toBe(412);
    const badRole = await ctx.call(
      ctx.a.ownerKey,
      'PUT',
      url,
      { caps: [{ subject: 'role', id: 'wizard', period: 'day', limit_micros: 1 }] },
      { 'if-match': '"v1"' },
    );
    expect([badRole.statusCode, badRole.json().issues?.[0]?.field]).toEqual([400, 'body.caps[0].id']);
  });

  it('reports the usage the meter settled; another org sees none of it and cannot reach it', async () => {
    const meter = server.runtime.services.gatewayUsage.meter;
    const subject = {
      orgId: ctx.a.orgId as OrgId,
      principalId: ctx.a.ownerUserId,
      apiKeyId: null,
      roles: ['owner'],
      model: 'http-model',
    };
    await meter.settle(await meter.reserve(subject, 'req_http_1', 100), { inputTokens: 70, outputTokens: 30 }, []);
    const report = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/usage?group_by=model`);
    expect(report.statusCode).toBe(200);
    // Priced by the `*` fallback row: 70 × 10 + 30 × 30 per million, rounded up.
    expect(report.json().data).toEqual([
      { group: 'http-model', requests: 1, input_tokens: 70, output_tokens: 30, cost_micros: 1600 },
    ]);
    const limits = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/gateway/limits`);
    expect(limits.json()).toMatchObject({ tokens_this_month: { used: 100, reserved: 0 } });
    const own = await ctx.call(ctx.b.ownerKey, 'GET', `/v1/orgs/${ctx.b.orgId}/usage`);
    expect(own.json().data).toEqual([]);
    const cross = await ctx.call(ctx.b.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/usage`);
    expect(cross.statusCode).toBe(404);
    const badCursor = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/usage?cursor=%25%25`);
    expect([badCursor.statusCode, badCursor.json().issues?.[0]?.field]).toEqual([400, 'query.cursor']);
  });

  it('a platform owner sets a price, audited in the platform org; an org owner may not', async () => {
    const price = { model: 'gpt-test', input_micros_per_mtok: 150_000, output_micros_per_mtok: 600_000 };
    expect((await ctx.call(ctx.a.ownerKey, 'PUT', '/v1/gateway/prices', price)).statusCode).toBe(403);
    const set = await ctx.call(ctx.platformKey, 'PUT', '/v1/gateway/prices', price);
    expect([set.statusCode, set.json()]).toEqual([200, price]);
    const list = await ctx.call(ctx.a.ownerKey, 'GET', '/v1/gateway/prices');
    expect(list.json().data).toContainEqual(price);
    const events = await server.testDb.superuser(
      "SELECT org_id, details FROM audit_events WHERE action = 'gateway.price.updated'",
    );
    expect(events.map((e) => e.org_id)).toEqual([server.runtime.services.platformOrgId]);
  });

  it('resetting a cost guard that has not tripped is 409', async () => {
    const res = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/gateway/cost-guard/reset`);
    expect([res.statusCode, res.json().code]).toEqual([409, 'db.conflict']);
  });
});
