// Attack: arbitrary, deep, huge or malformed policy text (nested brackets, NUL, lone surrogates) sent to
// validate and update, trying to crash the policy engine, get a 500 with internals, or change another org's decisions.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import type { Action, Principal, ResourceDescriptor } from '../../src/modules/authz/index.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

const STACK_TRACE = /\bat .+:\d+:\d+|\.ts:\d+|node_modules/;

describe(`policy text fuzzing (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let validateUrl: string;
  let policyUrl: string;

  const send = (method: 'POST' | 'PUT', url: string, text: string, headers: Record<string, string> = {}) =>
    // JSON.stringify writes a lone surrogate as a \ud800 escape, as an attacker's client would.
    server.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ctx.a.ownerKey}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ text }),
    });

  /** Decisions of org B, made by the serving engine without its cache. */
  function orgBDecisions(): string[] {
    const orgId = ctx.b.orgId as OrgId;
    const owner: Principal = {
      kind: 'user',
      id: ctx.b.ownerUserId,
      orgId,
      roles: ['owner'],
      attributes: {},
      amr: ['hwk'],
    };
    const viewer: Principal = { kind: 'user', id: 'usr_viewer', orgId, roles: ['viewer'], attributes: {}, amr: [] };
    const cases: [Principal, Action, ResourceDescriptor][] = [
      [owner, 'read:policies', { type: 'PolicySet', id: orgId, orgId }],
      [owner, 'manage:policies', { type: 'PolicySet', id: orgId, orgId }],
      [viewer, 'read:org', { type: 'Org', id: orgId, orgId }],
      [viewer, 'manage:keys', { type: 'ApiKey', id: 'key_x', orgId }],
    ];
    const engine = server.runtime.services.engine;
    engine.invalidate();
    return cases.map(
      ([principal, action, resource]) => `${action}:${engine.decide(principal, action, resource).decision}`,
    );
  }

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
    validateUrl = `/v1/orgs/${ctx.a.orgId}/policies/validate`;
    policyUrl = `/v1/orgs/${ctx.a.orgId}/policies`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('260 bytes of nested parentheses sent to validate do not deny another org', async () => {
    const depth = 110;
    const res = await send(
      'POST',
      validateUrl,
      `permit (principal, action, resource) when { ${'('.repeat(depth)}true${')'.repeat(depth)} };`,
    );
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json()).toMatchObject({ ok: false, errors: [{ code: 'authz.policy_invalid' }] });
    // Org B's first request: its decision is not cached, so the engine decides it now.
    const other = await server.app.inject({
      method: 'GET',
      url: `/v1/orgs/${ctx.b.orgId}/policies`,
      headers: { authorization: `Bearer ${ctx.b.ownerKey}` },
    });
    expect(other.statusCode).toBe(200);
  });

  it.each([
    ['a NUL', 'permit (principal, action, resource) when { "a\u0000b" == "a" };'],
    ['a lone high surrogate', 'permit (principal, action, resource) when { "\uD800" == "a" };'],
    ['a lone low surrogate', '// \uDC00\npermit (principal, action, resource);'],
  ])('policy text with %s gets a 400 naming the field, from validate and update', async (_what, text) => {
    for (const res of [
      await send('POST', validateUrl, text),
      await send('PUT', policyUrl, text, { 'if-match': '"v0"' }),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('text');
      expect(res.body).not.toMatch(STACK_TRACE);
    }
  });

  it('arbitrary, deep and malformed text never gets a 5xx or a stack trace, and another org decides as before', async () => {
    const before = orgBDecisions();
    expect(before).toEqual(['read:policies:allow', 'manage:policies:allow', 'read:org:allow', 'manage:keys:deny']);
    const bracket = fc.constantFrom(
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      'if ',
      ' then ',
      ' else ',
      ' && ',
      ' + ',
      '.a',
      '!',
      '"',
      '\\',
      ';',
      ':',
      ',',
      '::',
    );
    const deep = fc
      .tuple(
        fc.constantFrom('(', '[', '{a:', 'if true then ', '1 + ', 'true && ', 'context.a', '-'),
        fc.integer({ min: 20, max: 3_000 }),
      )
      .map(([unit, n]) => `permit (principal, action, resource) when { ${unit.repeat(n)} };`);
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc
        .array(bracket, { maxLength: 400 })
        .map((parts) => `permit (principal, action, resource) when { ${parts.join('')} };`),
      deep,
      fc
        .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\uFEFF', '\u202E'))
        .map(([s, bad]) => `permit (principal, action, resource) when { "${s}${bad}" == "" };`),
      fc.constant(`permit (principal, action, resource) when { ${'('.repeat(200_000)}`),
    );
    let etag = '"v0"';
    await fc.assert(
      fc.asyncProperty(text, async (candidate) => {
        for (const res of [
          await send('POST', validateUrl, candidate),
          await send('PUT', policyUrl, candidate, { 'if-match': etag }),
        ]) {
          expect(res.statusCode).toBeLessThan(500);
          expect(res.body).not.toMatch(STACK_TRACE);
          if (res.statusCode === 200 && typeof res.headers.etag === 'string') etag = res.headers.etag;
        }
      }),
      { numRuns: 60, seed: 7 },
    );
    expect(orgBDecisions()).toEqual(before);
    expect(server.runtime.services.engine.rebuilds).toBe(0);
  });
});
