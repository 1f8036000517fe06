import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Attack: make the audit log refuse a read's decision (here a trigger stands in for a full disk) and see whether
// the read's data still leaks out, or the 503 comes back in some other shape than problem+json.
describe(`a read whose decision cannot be stored fails closed as problem+json (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    await server.runtime.auditBuffer.flush();
    await server.testDb.superuser(`CREATE FUNCTION test_refuse_read_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.org_id = '${ctx.a.orgId}' AND NEW.action = 'authz.decision.made' AND NEW.decision = 'allow' THEN RAISE EXCEPTION 'simulated full disk'; END IF;
        RETURN NEW;
      END $$`);
    await server.testDb.superuser(
      'CREATE TRIGGER test_refuse_read_decisions BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_refuse_read_decisions()',
    );
  });
  afterAll(async () => server.close());

  it('answers 503 audit.write_failed as problem+json and never sends the data read', async () => {
    const res = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/members`);
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body).toMatchObject({
      status: 503,
      code: 'audit.write_failed',
      type: 'urn:bulwark:error:audit.write_failed',
      request_id: res.headers['x-request-id'],
    });
    expect(res.body).not.toContain('owner@org-a.example');
    expect(res.body).not.toContain('"data"');
    expect(res.headers.etag).toBeUndefined();
  });

  it('drops the validators of the data it did not send (no ETag of an unsent policy version)', async () => {
    const res = await ctx.call(ctx.a.ownerKey, 'GET', `/v1/orgs/${ctx.a.orgId}/policies`);
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('audit.write_failed');
    expect(res.headers.etag).toBeUndefined();
    expect(res.body).not.toContain('"text"');
  });

  // A model call's decision joins the group commit while the call runs, like a read's; its answer must not leak either.
  it('answers a model call 503 in OpenAI shape and never sends the answer, streamed or not', async () => {
    for (const stream of [false, true]) {
      const res = await ctx.call(ctx.a.ownerKey, 'POST', '/v1/chat/completions', {
        model: 'bulwark-local-chat',
        stream,
        messages: [{ role: 'user', content: 'Say something about the weather.' }],
      });
      expect(res.statusCode, `stream ${String(stream)}`).toBe(503);
      expect(res.headers['content-type']).toContain('application/json');
      expect(res.json().error).toMatchObject({ code: 'audit.write_failed' });
      expect(res.body).not.toContain('choices');
      expect(res.body).not.toContain('data:');
    }
  });

  it('does not touch another org, whose reads still succeed', async () => {
    const res = await ctx.call(ctx.b.ownerKey, 'GET', `/v1/orgs/${ctx.b.orgId}/members`);
    expect(res.statusCode).toBe(200);
  });
});
