import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Attack: NUL bytes and lone UTF-16 surrogates smuggled into paths, queries, headers and JSON bodies (as the
// escapes \u0000 and \ud800), and malformed ids in path parameters, hoping to reach SQL, the audit log or a 500.
describe(`NUL bytes, lone surrogates and malformed ids are refused at the boundary (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  });
  afterAll(async () => server.close());

  async function raw(
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: string,
    headers: Record<string, string> = {},
  ) {
    return server.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${ctx.a.ownerKey}`,
        ...(payload ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(payload ? { payload } : {}),
    });
  }

  function fieldsOf(res: { json: () => unknown }): string[] {
    const body = res.json() as { issues?: { field: string }[] };
    return (body.issues ?? []).map((i) => i.field);
  }

  it('answers a malformed id in a path parameter 400 naming the field', async () => {
    const org = ctx.a.orgId;
    const cases: [string, string][] = [
      [`/v1/orgs/${org}/api-keys/key_%00x`, 'params.key_id'],
      [`/v1/orgs/${org}/api-keys/not-a-key`, 'params.key_id'],
      [`/v1/orgs/${org}/service-accounts/svc_123`, 'params.service_account_id'],
      [`/v1/orgs/${org}/service-accounts/${'s'.repeat(150)}`, 'params.service_account_id'],
      [`/v1/orgs/${org}/quarantine/qtn_%F0%9F%92%A3`, 'params.item_id'],
      ['/v1/orgs/org_nope/members', 'params.org_id'],
    ];
    for (const [url, field] of cases) {
      const res = await raw('GET', url);
      expect(`${url} -> ${res.statusCode}`).toBe(`${url} -> 400`);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('http.bad_request');
      expect(res.json().status).toBe(400);
      expect(fieldsOf(res).join(',')).toContain(field);
    }
  });

  it('refuses a malformed org id before the tenant boundary writes anything to the audit log', async () => {
    await server.runtime.auditBuffer.flush();
    const count = async () => {
      let n = 0;
      for await (const _ of server.runtime.audit.records(ctx.a.orgId as OrgId, { actionPrefix: 'authz.decision' }))
        n += 1;
      return n;
    };
    const before = await count();
    const res = await raw('GET', '/v1/orgs/org_%00%00/members');
    expect(res.statusCode).toBe(400);
    await server.runtime.auditBuffer.flush();
    expect(await count()).toBe(before);
  });

  it('refuses NUL bytes and lone surrogates in queries', async () => {
    for (const q of ['cursor=%00', 'cursor=abc%00def', 'limit=1%00', 'status=%ED%A0%80']) {
      const res = await raw('GET', `/v1/orgs/${ctx.a.orgId}/quarantine?${q}`);
      expect(`${q} -> ${res.statusCode}`).toBe(`${q} -> 400`);
      expect(res.json().code).toBe('http.bad_request');
    }
  });

  it('refuses the JSON escapes \\u0000 and \\ud800 anywhere in a body, keys included, naming the field', async () => {
    const url = `/v1/orgs/${ctx.a.orgId}/service-accounts`;
    const cases: [string, string][] = [
      ['{"name":"batch\\u0000","roles":["service"]}', 'body.name'],
      ['{"name":"batch\\ud800","roles":["service"]}', 'body.name'],
      ['{"name":"batch\\udc00x","roles":["service"]}', 'body.name'],
      ['{"name":"batch","roles":["service"],"attributes":{"region\\u0000":"eu"}}', 'body.attributes'],
      ['{"name":"batch","roles":["service"],"attributes":{"projects":["a","\\u0000"]}}', 'body.attributes.projects[1]'],
    ];
    for (const [payload, field] of cases) {
      const res = await raw('POST', url, payload);
      expect(`${payload} -> ${res.statusCode}`).toBe(`${payload} -> 400`);
      expect(fieldsOf(res).join(',')).toContain(field);
    }
    // A well-formed surrogate pair (an emoji) is fine.
    const ok = await raw('POST', url, '{"name":"batch \\ud83d\\ude00","roles":["service"]}');
    expect(ok.statusCode).toBe(201);
  });

  it('refuses a NUL byte in a stored header (user-agent)', async () => {
    const res = await raw('GET', `/v1/orgs/${ctx.a.orgId}/members`, undefined, { 'user-agent': 'curl\u0000evil' });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['headers.user-agent']);
  });

  it('keeps the audit chain of the org verifiable and free of NUL bytes', async () => {
    await server.runtime.auditBuffer.flush();
    const seen: string[] = [];
    for await (const record of server.runtime.audit.records(ctx.a.orgId as OrgId)) seen.push(JSON.stringify(record));
    expect(seen.filter((line) => line.includes('\\u0000'))).toEqual([]);
    expect((await server.runtime.audit.verify(ctx.a.orgId as OrgId)).ok).toBe(true);
  });
});
