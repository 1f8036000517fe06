import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import { bulwarkKeyChecksum } from '../../src/lib/bulwark-key-checksum.js';
import { verifyJsonLines } from '../../src/modules/audit/index.js';
import { errorFormatForUrl } from '../../src/http/errors/renderers.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

describe(`admin API (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    server = await createTestServer({ clock, env: { BULWARK_METRICS_TOKEN: 'prometheus-scrape-token' } });
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => server.close());

  async function flushAudit() {
    await server.runtime.auditBuffer.flush();
  }

  async function auditActions(orgId: string, prefix: string) {
    await flushAudit();
    const res = await ctx.call(
      ctx.a.ownerKey,
      'GET',
      `/v1/orgs/${orgId}/audit-events?limit=500&action_prefix=${prefix}`,
    );
    return res.json().data as {
      action: string;
      decision: string;
      reason_codes: string[];
      actor: { id: string };
      resource: { id: string } | null;
    }[];
  }

  it('documents every protected route in OpenAPI with its schemas and bearer security', async () => {
    const doc = (await server.app.inject('/openapi.json')).json();
    const missing = server.routes.filter((r) => {
      const operation = doc.paths[r.url.replace(/:([a-z_]+)/g, '{$1}')]?.[r.method.toLowerCase()];
      return !operation?.summary || !operation.security || !operation.responses;
    });
    expect(missing).toEqual([]);
    expect(server.routes.length).toBeGreaterThanOrEqual(25);
  });

  it('documents on every /v1 operation its error responses (problem+json, OpenAI shape on OpenAI paths) and its action', async () => {
    const doc = (await server.app.inject('/openapi.json')).json() as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const problems: string[] = [];
    let operations = 0;
    for (const [url, item] of Object.entries(doc.paths)) {
      if (!url.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(item)) {
        operations += 1;
        const responses = (op.responses ?? {}) as Record<
          string,
          { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }
        >;
        const required = [
          '400',
          '401',
          '429',
          '503',
          ...(op['x-bulwark-public'] ? [] : ['403', '404']),
          ...(op.requestBody ? ['413', '415'] : []),
          ...(method === 'get' ? [] : ['409']),
        ];
        // OpenAI-compatible paths answer errors in OpenAI's shape (`{error: {…}}`), every other path in problem+json.
        const openAi = errorFormatForUrl(url) === 'openai';
        for (const status of required) {
          const schema = openAi
            ? responses[status]?.content?.['application/json']?.schema
            : responses[status]?.content?.['application/problem+json']?.schema;
          const documented = openAi
            ? Boolean(schema?.properties?.error)
            : Boolean(schema?.properties?.code && schema.properties.request_id);
          if (!documented) problems.push(`${method} ${url}: no ${openAi ? 'OpenAI error' : 'problem+json'} ${status}`);
        }
        const action = op['x-bulwark-action'];
        if (!op['x-bulwark-public'] && (typeof action !== 'string' || !String(op.description).includes(action)))
          problems.push(`${method} ${url}: no action`);
      }
    }
    expect(problems).toEqual([]);
    expect(operations).toBeGreaterThanOrEqual(25);
    expect(doc.paths['/v1/orgs/{org_id}/policies']?.put?.responses).toHaveProperty('412');
    expect(doc.paths['/v1/orgs/{org_id}/policies']?.put?.responses).toHaveProperty('428');
    expect(doc.paths['/v1/orgs/{org_id}/api-keys']?.get?.['x-bulwark-action']).toBe('read:keys');
  });

  it('redeems the bootstrap secret exactly once', async () => {
    const secret = server.runtime.bootstrap?.secret;
    const options = await ctx.call(undefined, 'POST', '/v1/bootstrap/passkey-options', { secret });
    expect(options.statusCode).toBe(401);
    expect(options.json().code).toBe('tenancy.bootstrap_invalid');
    const again = await ctx.call(undefined, 'POST', '/v1/bootstrap/redeem', { secret, passkey: {} });
    expect(again.statusCode).toBe(401);
    expect(again.json().code).toBe('tenancy.bootstrap_invalid');
  });

  it('lets only platform owners list and create orgs', async () => {
    const listed = await ctx.call(ctx.platformKey, 'GET', '/v1/orgs');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data.map((o: { id: string }) => o.id)).toEqual(
      expect.arrayContaining([ctx.a.orgId, ctx.b.orgId]),
    );
    const byTenantOwner = await ctx.call(ctx.a.ownerKey, 'GET', '/v1/orgs');
    expect(byTenantOwner.statusCode).toBe(403);
    expect(byTenantOwner.json().code).toBe('authz.denied');
  });

  it('answers 401 with one generic message for missing, malformed, unknown and wrong-environment keys, and audits the precise reason', async () => {
    const body = `bwk_live_${'0'.repeat(26)}_${'A'.repeat(43)}`;
    const liveKey = `${body}${bulwarkKeyChecksum(body)}`;
    const unknownBody = `bwk_test_${'1'.repeat(26)}_${'B'.repeat(43)}`;
    const unknownKey = `${unknownBody}${bulwarkKeyChecksum(unknownBody)}`;
    const tampered = `${ctx.a.ownerKey.slice(0, -1)}${ctx.a.ownerKey.endsWith('x') ? 'y' : 'x'}`;
    for (const key of [undefined, 'bwk_nonsense', liveKey, unknownKey, tampered]) {
      const res = await ctx.call(key, 'GET', `/v1/orgs/${ctx.a.orgId}`);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'authn.required', detail: 'valid credentials are required' });
    }
    await flushAudit();
    const rejected = [];
    for await (const record of server.runtime.audit.records(server.runtime.services.platformOrgId, {
      actionPrefix: 'authn.',
    }))
      rejected.push(...record.reason_codes);
    expect(rejected).toEqual(
      expect.arrayContaining(['authn.key_malformed', 'authn.key_wrong_environment', 'authn.key_unknown']),
    );
  });

  it('scopes API keys: an action outside the scopes is denied with authz.scope_missing', async () => {
    const created = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
      name: 'reader',
      role: 'admin',
      scopes: ['read:members'],
    });
    expect(created.statusCode).toBe(201);
    const key = created.json().secret as string;
    expect(key).toMatch(/^bwk_test_[0-9a-z]{26}_[A-Za-z0-9_-]{43}[0-9A-Za-z]{6}$/);
    expect((await ctx.call(key, 'GET', `/v1/orgs/${ctx.a.orgId}/members`)).statusCode).toBe(200);
    const denied = await ctx.call(key, 'GET', `/v1/orgs/${ctx.a.orgId}/api-keys`);
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'authz.scope_missing', reasons: ['authz.scope_missing'] });
    const listed = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/api-keys`);
    expect(JSON.stringify(listed.json())).not.toContain(key.slice(-49));
  });

  it('rotates with an overlap, revokes at once, expires, and enforces the CIDR allow-list', async () => {
    const created = (
      await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
        name: 'rotating',
        role: 'viewer',
        scopes: ['read:org'],
      })
    ).json();
    const rotated = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys/${created.id}/rotate`, {
      overlap_seconds: 60,
    });
    expect(rotated.statusCode).toBe(201);
    const successor = rotated.json();
    expect(successor.rotated_from).toBe(created.id);
    const orgUrl = `/v1/orgs/${ctx.a.orgId}`;
    expect((await ctx.call(created.secret, 'GET', orgUrl)).statusCode).toBe(200);
    expect((await ctx.call(successor.secret, 'GET', orgUrl)).statusCode).toBe(200);
    clock.advance(61_000);
    expect((await ctx.call(created.secret, 'GET', orgUrl)).statusCode).toBe(401);
    expect((await ctx.call(successor.secret, 'GET', orgUrl)).statusCode).toBe(200);
    expect(
      (await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys/${successor.id}/revoke`)).statusCode,
    ).toBe(200);
    expect((await ctx.call(successor.secret, 'GET', orgUrl)).statusCode).toBe(401);

    const fenced = (
      await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
        name: 'office only',
        role: 'viewer',
        scopes: ['read:org'],
        cidrs: ['10.0.0.0/8'],
      })
    ).json();
    expect(
      (
        await server.app.inject({
          method: 'GET',
          url: orgUrl,
          headers: { authorization: `Bearer ${fenced.secret}` },
          remoteAddress: '127.0.0.1',
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await server.app.inject({
          method: 'GET',
          url: orgUrl,
          headers: { authorization: `Bearer ${fenced.secret}` },
          remoteAddress: '10.1.2.3',
        })
      ).statusCode,
    ).toBe(200);

    const reasons = (await auditActions(ctx.a.orgId, 'authn.')).flatMap((e) => e.reason_codes);
    expect(reasons).toEqual(
      expect.arrayContaining(['authn.key_expired', 'authn.key_revoked', 'authn.key_ip_not_allowed']),
    );
  });

  it('replays a key creation for the same Idempotency-Key and refuses the key with another body', async () => {
    const url = `/v1/orgs/${ctx.a.orgId}/api-keys`;
    const body = { name: 'ci deploy', role: 'developer', scopes: ['read:models'] };
    const first = await ctx.call(ctx.a.ownerKey, 'POST', url, body, { 'idempotency-key': 'deploy-42' });
    const second = await ctx.call(ctx.a.ownerKey, 'POST', url, body, { 'idempotency-key': 'deploy-42' });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    expect(second.json().secret).toBe(first.json().secret);
    const other = await ctx.call(
      ctx.a.ownerKey,
      'POST',
      url,
      { ...body, name: 'other' },
      { 'idempotency-key': 'deploy-42' },
    );
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('http.idempotency_conflict');
    const stored = await server.testDb.superuser(
      'SELECT response_ciphertext FROM idempotency_keys WHERE idempotency_key = $1',
      ['deploy-42'],
    );
    expect(String(stored[0]?.response_ciphertext)).not.toContain(first.json().secret.slice(-20));
  });

  it('versions org policies with ETags, validation errors at line and column, rollback and explain', async () => {
    const url = `/v1/orgs/${ctx.a.orgId}/policies`;
    const initial = await ctx.call(ctx.a.ownerKey, 'GET', url);
    expect(initial.headers.etag).toBe('"v0"');
    const text =
      '@id("no-pii-from-outside")\nforbid (principal, action == Action::"read:pii", resource)\nunless { context has ip && context.ip.isInRange(ip("10.0.0.0/8")) };';
    expect((await ctx.call(ctx.a.ownerKey, 'PUT', url, { text })).statusCode).toBe(428);
    const v1 = await ctx.call(
      ctx.a.ownerKey,
      'PUT',
      url,
      { text, note: 'pii only from the office' },
      { 'if-match': '"v0"' },
    );
    expect(v1.statusCode).toBe(200);
    expect(v1.headers.etag).toBe('"v1"');
    expect((await ctx.call(ctx.a.ownerKey, 'PUT', url, { text: '' }, { 'if-match': '"v0"' })).statusCode).toBe(412);
    const invalid = await ctx.call(
      ctx.a.ownerKey,
      'PUT',
      url,
      { text: 'permit (principal, action == Action::"no:such", resource);\nforbid (' },
      { 'if-match': '"v1"' },
    );
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().code).toBe('authz.policy_invalid');
    expect(invalid.json().errors[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });

    const explain = (resourceRegion: string) =>
      ctx.call(ctx.a.ownerKey, 'POST', '/v1/authz/explain', {
        action: 'read:pii',
        resource: { type: 'Document', id: 'doc-1', attributes: { region: resourceRegion } },
      });
    const denied = await explain('eu');
    expect(denied.json()).toMatchObject({ decision: 'deny', reasons: ['org:no-pii-from-outside'] });

    const v2 = await ctx.call(ctx.a.ownerKey, 'PUT', url, { text: '' }, { 'if-match': '"v1"' });
    expect(v2.statusCode).toBe(200);
    expect((await explain('eu')).json().decision).toBe('allow');
    const v3 = await ctx.call(ctx.a.ownerKey, 'POST', `${url}/rollback`, { version: 1 }, { 'if-match': '"v2"' });
    expect(v3.json()).toMatchObject({ version: 3, rolled_back_from: 1, text });
    expect((await explain('eu')).json().decision).toBe('deny');
    const versions = await ctx.call(ctx.a.ownerKey, 'GET', `${url}/versions`);
    expect(versions.json().data.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
  });

  it('stops privilege escalation: a developer cannot mint an admin key, widen its role or upload a cross-tenant policy', async () => {
    const member = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/members`, {
      email: 'dev@org-a.example',
      roles: ['developer'],
    });
    expect(member.statusCode).toBe(201);
    const devUser = member.json();
    // Scopes a developer can never use are refused at creation, naming them.
    const deadScopes = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
      name: 'dev',
      role: 'developer',
      scopes: ['manage:keys', 'read:keys', 'read:models', 'manage:members', 'manage:policies'],
      owner: { type: 'user', id: devUser.user_id },
      amr: ['hwk'],
    });
    expect(deadScopes.json()).toMatchObject({
      code: 'authz.scopes_unusable',
      scopes: ['manage:members', 'manage:policies'],
    });
    const devKeyRes = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
      name: 'dev',
      role: 'developer',
      scopes: ['manage:keys', 'read:keys', 'read:models'],
      owner: { type: 'user', id: devUser.user_id },
      amr: ['hwk'],
    });
    expect(devKeyRes.statusCode).toBe(201);
    const devKey = devKeyRes.json().secret as string;

    const adminKey = await ctx.call(devKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
      name: 'escalate',
      role: 'admin',
      scopes: ['read:models'],
    });
    expect(adminKey.statusCode).toBe(403);
    expect(adminKey.json().code).toBe('authz.role_not_grantable');
    const ownKey = await ctx.call(devKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
      name: 'mine',
      role: 'developer',
      scopes: ['read:models'],
    });
    expect(ownKey.statusCode).toBe(201);
    const wider = await ctx.call(devKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
      name: 'wider',
      role: 'developer',
      scopes: ['read:models', 'write:prompts'],
    });
    expect(wider.json().code).toBe('authz.role_not_grantable');
    const someoneElses = await ctx.call(devKey, 'POST', `/v1/orgs/${ctx.a.orgId}/api-keys`, {
      name: 'for the owner',
      role: 'developer',
      scopes: ['read:models'],
      owner: { type: 'user', id: ctx.a.ownerUserId },
    });
    expect(someoneElses.statusCode).toBe(403);

    const widen = await ctx.call(devKey, 'PATCH', `/v1/orgs/${ctx.a.orgId}/members/${devUser.id}`, {
      roles: ['admin'],
    });
    expect(widen.statusCode).toBe(403);
    const after = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/members`);
    expect(after.json().data.find((m: { id: string }) => m.id === devUser.id).roles).toEqual(['developer']);

    const policyUrl = `/v1/orgs/${ctx.a.orgId}/policies`;
    const devPolicy = await ctx.call(
      devKey,
      'PUT',
      policyUrl,
      { text: `permit (principal, action, resource);` },
      { 'if-match': '"v3"' },
    );
    expect(devPolicy.statusCode).toBe(403);
    const crossTenant = await ctx.call(
      ctx.a.ownerKey,
      'PUT',
      policyUrl,
      { text: `permit (principal, action, resource == Org::"${ctx.b.orgId}");` },
      { 'if-match': '"v3"' },
    );
    expect(crossTenant.statusCode).toBe(422);
    expect(crossTenant.json().code).toBe('authz.cross_tenant_policy');

    const decisions = await auditActions(ctx.a.orgId, 'authz.decision');
    expect(decisions.some((d) => d.decision === 'deny' && d.actor.id === devKeyRes.json().id)).toBe(true);
  });

  it('fails closed when the audit log cannot take a decision: no read is answered, no change is made', async () => {
    const orgUrl = `/v1/orgs/${ctx.a.orgId}`;
    await server.testDb.superuser('REVOKE INSERT ON audit_events FROM bulwark_app');
    try {
      const read = await ctx.call(ctx.a.ownerKey, 'GET', orgUrl);
      expect(read.statusCode).toBe(503);
      expect(read.json().code).toBe('audit.write_failed');
      expect(read.body).not.toContain('ORG-A');
      const write = await ctx.call(ctx.a.ownerKey, 'POST', `${orgUrl}/service-accounts`, {
        name: 'unaudited',
        roles: ['service'],
      });
      expect(write.statusCode).toBe(503);
    } finally {
      await server.testDb.superuser('GRANT INSERT ON audit_events TO bulwark_app');
    }
    const accounts = await ctx.call(ctx.a.ownerKey, 'GET', `${orgUrl}/service-accounts`);
    expect(accounts.json().data.map((a: { name: string }) => a.name)).not.toContain('unaudited');
  });

  it('exposes Prometheus metrics only to the configured scrape token', async () => {
    expect((await server.app.inject('/metrics')).statusCode).toBe(401);
    expect((await server.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(
      401,
    );
    const res = await server.app.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer prometheus-scrape-token' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/bulwark_authz_decisions_total\{decision="deny",action="[a-z:-]+"\} \d+/);
    expect(res.body).toContain(
      'bulwark_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/orgs/:org_id"',
    );
    expect(res.body).toContain('bulwark_audit_buffer_pending_events');
  });

  it('records every decision with reasons and keeps the chain verifiable and exportable', async () => {
    const verify = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/audit-events/verify`);
    expect(verify.json()).toMatchObject({ ok: true, first_bad_seq: null });
    const exported = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/audit-events/export`);
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    const lines = exported.body.trim().split('\n');
    expect(verifyJsonLines(ctx.a.orgId, lines)).toMatchObject({ ok: true, eventsChecked: lines.length });
    const decisions = lines.map((l) => JSON.parse(l)).filter((e) => e.action === 'authz.decision.made');
    expect(decisions.length).toBeGreaterThan(10);
    for (const d of decisions) expect(d.reason_codes.length).toBeGreaterThan(0);
  });
});
