import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Attack: a reviewer sends a NUL byte in a quarantine review note (stored and audited: a 500 before the fix),
// and reviews an item twice to see whether error details can overwrite the problem's own members.
describe(`quarantine review input (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  async function hold(): Promise<string> {
    const services = server.runtime.services;
    const item = await services.db.withTenant(ctx.a.orgId as OrgId, (sql) =>
      services.quarantine.hold(sql, {
        content: 'held answer',
        hook: 'output',
        findings: [],
        reasonCodes: ['guard.blocked'],
        actor: { type: 'system', id: null },
      }),
    );
    return item.id;
  }

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => server.close());

  it('answers a NUL byte or a lone surrogate in a review note 400 naming body.note, and leaves the item held', async () => {
    const id = await hold();
    for (const payload of ['{"note":"looks fine\\u0000"}', '{"note":"ok \\udfff"}']) {
      const res = await server.app.inject({
        method: 'POST',
        url: `/v1/orgs/${ctx.a.orgId}/quarantine/${id}/release`,
        headers: { authorization: `Bearer ${ctx.a.ownerKey}`, 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('http.bad_request');
      expect(res.json().issues.map((i: { field: string }) => i.field)).toEqual(['body.note']);
    }
    const shown = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/quarantine/${id}`);
    expect(shown.json().status).toBe('held');
  });

  it('keeps the problem members when an item is reviewed twice (409, status stays the HTTP status)', async () => {
    const id = await hold();
    const first = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/quarantine/${id}/release`, {
      note: 'ok',
    });
    expect(first.statusCode).toBe(200);
    const again = await ctx.call(ctx.a.ownerKey, 'POST', `/v1/orgs/${ctx.a.orgId}/quarantine/${id}/discard`, {});
    expect(again.statusCode).toBe(409);
    const body = again.json();
    expect(body.status).toBe(409);
    expect(body.code).toBe('guard.quarantine_already_reviewed');
    expect(body.type).toBe('urn:bulwark:error:guard.quarantine_already_reviewed');
    expect(body.current_status).toBe('released');
  });
});
