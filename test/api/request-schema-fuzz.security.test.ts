import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import { backendName } from '../support/test-db.js';
import { createTestServer, type TestServer } from '../support/test-server.js';
import { twoOrgs } from './api-client.js';

// Attack: fuzz every request schema of the live route table (path parameters, queries, bodies, headers) with a
// valid key of org A, looking for a 5xx, a stack trace in a body, or any change to org B's rows.

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

const RUNS_PER_ROUTE = 20;
const STACK_TRACE = /\bat [^\n]*\(?[^\n]*:\d+:\d+\)?|node_modules|\.ts:\d+|Error: [^"]*\n/;

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

/** Percent-encodes any string, lone surrogates included (as the invalid UTF-8 a client could send). */
function encodeAny(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value].map((ch) => (/[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
}

const nasty = fc.constantFrom(
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '%00',
  '../',
  "' OR 1=1 --",
  '{"$gt":""}',
  'org_00000000000000000000000000',
  '\u202e',
  'a'.repeat(300),
  '',
  ' ',
  '-1',
  '1e309',
  'null',
  '[]',
);
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), nasty);
const headerText = fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_"/=;,.'.split('')), maxLength: 30 });
const value: fc.Arbitrary<unknown> = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(text, { maxLength: 3 }),
  fc.dictionary(text, text, { maxKeys: 3 }),
);

describe(`fuzzing every request schema never yields a 5xx, a stack trace or a change to another org (${backendName})`, () => {
  let server: TestServer;
  let ctx: Awaited<ReturnType<typeof twoOrgs>>;
  let paths: Record<string, Record<string, Operation>>;
  const ids: Record<'a' | 'b', Record<string, string>> = { a: {}, b: {} };

  beforeAll(async () => {
    server = await createTestServer();
    ctx = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
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
      const services = server.runtime.services;
      const held = await services.db.withTenant(orgId as OrgId, (sql) =>
        services.quarantine.hold(sql, {
          content: `answer of ${side}`,
          hook: 'output',
          findings: [],
          reasonCodes: ['guard.blocked'],
          actor: { type: 'system', id: null },
        }),
      );
      ids[side] = {
        org_id: orgId,
        member_id: member.id,
        service_account_id: account.id,
        key_id: key.id,
        item_id: held.id,
      };
    }
    paths = (await server.app.inject('/openapi.json')).json().paths;
    await server.runtime.auditBuffer.flush();
  });
  afterAll(async () => server.close());

  it('walks a real route table', () => {
    expect(server.routes.length).toBeGreaterThanOrEqual(25);
  });

  it('answers every fuzzed request below 500, without a stack trace, and leaves org B byte-identical', async () => {
    const before = await fingerprint(server, ctx.b.orgId);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let seed = 7;
    for (const route of server.routes) {
      const op = paths[route.url.replace(/:([a-z_]+)/g, '{$1}')]?.[route.method.toLowerCase()] ?? {};
      const paramNames = [...route.url.matchAll(/:([a-z_]+)/g)].map((m) => m[1] as string);
      const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const bodyNames = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
      const paramArb = fc.tuple(
        ...paramNames.map((name) =>
          fc.oneof(
            { weight: 3, arbitrary: fc.constant(ids.a[name] ?? '') },
            { weight: 1, arbitrary: fc.constant(ids.b[name] ?? '') },
            { weight: 2, arbitrary: text },
          ),
        ),
      );
      const queryArb = fc.dictionary(
        fc.oneof(fc.constantFrom(...queryNames, 'x'), text),
        fc.oneof(text, fc.integer().map(String)),
        { maxKeys: 3 },
      );
      const bodyArb = op.requestBody
        ? fc.oneof(
            {
              weight: 3,
              arbitrary: fc.record(Object.fromEntries(bodyNames.map((n) => [n, value])), { requiredKeys: [] }),
            },
            { weight: 1, arbitrary: value },
          )
        : fc.constant(undefined);
      const headerArb = fc.record(
        {
          'if-match': fc.oneof(fc.constantFrom('"v0"', '"v1"', '*'), headerText),
          'idempotency-key': headerText,
          'user-agent': headerText,
          'content-type': fc.constantFrom(
            'application/json',
            'application/json',
            'application/json',
            'text/plain',
            'application/xml',
          ),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(paramArb, queryArb, bodyArb, headerArb, async (params, query, body, headers) => {
          let i = 0;
          const url = route.url.replace(/:([a-z_]+)/g, () => encodeAny(String(params[i++] ?? '')));
          const qs = Object.entries(query)
            .map(([k, v]) => `${encodeAny(k)}=${encodeAny(v)}`)
            .join('&');
          const payload = body === undefined || route.method === 'GET' ? undefined : JSON.stringify(body);
          const res = await server.app.inject({
            method: route.method as Method,
            url: qs ? `${url}?${qs}` : url,
            headers: { authorization: `Bearer ${ctx.a.ownerKey}`, ...headers },
            ...(payload === undefined ? {} : { payload }),
          });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500)
            failures.push(
              `${route.method} ${url}?${qs} ${payload?.slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 200)}`,
            );
          if (STACK_TRACE.test(res.body))
            failures.push(`${route.method} ${url}: stack trace in body ${res.body.slice(0, 200)}`);
          return true;
        }),
        { numRuns: RUNS_PER_ROUTE, seed: seed++, endOnFailure: true },
      );
    }
    expect(failures).toEqual([]);
    // Not vacuous: the fuzz reached handlers (2xx) and validation (400) alike.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(server.routes.length);
    await server.runtime.auditBuffer.flush();
    expect(await fingerprint(server, ctx.b.orgId)).toEqual(before);
    expect((await server.runtime.audit.verify(ctx.b.orgId as OrgId)).ok).toBe(true);
    expect((await server.runtime.audit.verify(ctx.a.orgId as OrgId)).ok).toBe(true);
  }, 240_000);
});
