/**
 * The gateway's hot path against its baselines, in one run: a fake upstream that answers at once, reached directly,
 * through `@portkey-ai/gateway` as a bare proxy (the peer), and through Bulwark with org policy, quotas and budget,
 * rule guards, metering and audit on (the embedding guard stage off). For each: latency p50/p99 at a steady,
 * evenly spaced, open-loop rate (latency counted from each request's scheduled start, so a stall is not hidden),
 * requests/s at saturation (closed loop), and the time to the first streamed content chunk. Prints the latency
 * Bulwark adds over direct and its throughput ratio to the peer, then the database work of one Bulwark call
 * (transactions and statements). PGlite by default, PostgreSQL when DATABASE_URL is set.
 * Run: npm run bench:gateway [-- rate=500 seconds=5 only=bulwark concurrency=32 bound=250]
 * (`only=` runs one setup; `profile=out.cpuprofile` writes a CPU profile of this process during Bulwark's saturation.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { Db, PlatformSql, Sql, TenantSql } from '../src/platform/db/index.js';
import { apiClient, twoOrgs } from '../test/api/api-client.js';
import { backendName } from '../test/support/test-db.js';
import { createTestServer, type TestServer } from '../test/support/test-server.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const RATE = Number(args.rate ?? 500);
const STEADY_S = Number(args.seconds ?? 5);
const SATURATION_S = 4;
const STREAM_RATE = 100;
const STREAM_S = 2;
// Open loop: a request due while this many are unanswered is not sent and counts as shed (so a slow target cannot
// stretch the run), and the run is reported as not sustaining the rate.
const MAX_IN_FLIGHT = 512;
// A request unanswered after this long fails (counted as an error), so an overloaded target ends the run in time.
const POOL = { connections: 64, headersTimeout: 10_000, bodyTimeout: 10_000 } as const;

const REPLY = 'The quarterly report shows steady growth in every region, with costs flat and revenue up by a tenth.';
const PROMPT = 'Summarise the quarterly report in two lines.';

// ---- fake upstream: answers at once ----
function startUpstream(): Promise<Server> {
  const completion = JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1,
    model: 'bench-upstream',
    choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 24, total_tokens: 36 },
  });
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-upstream', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const pieces = REPLY.match(/.{1,24}/g) ?? [];
  const stream =
    chunk({ role: 'assistant', content: '' }) +
    pieces.map((p) => chunk({ content: p })).join('') +
    chunk({}, 'stop') +
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench-upstream', choices: [], usage: { prompt_tokens: 12, completion_tokens: 24, total_tokens: 36 } })}\n\n` +
    'data: [DONE]\n\n';
  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (b: Buffer) => body.push(b));
    req.on('end', () => {
      const streamed = Buffer.concat(body).includes('"stream":true');
      if (streamed) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end(stream);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(completion);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- the peer: Portkey's gateway as a bare proxy, in a child process ----
async function startPortkey(): Promise<{ url: string; child: ChildProcess }> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@portkey-ai/gateway/build/start-server.js');
  const port = 18_000 + Math.floor(Math.random() * 2_000);
  const child = spawn(process.execPath, [entry, `--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    try {
      const res = await fetch(url);
      if (res.ok) return { url, child };
    } catch {
      // not listening yet
    }
  }
  child.kill();
  throw new Error('the Portkey gateway did not start');
}

// ---- load generation ----
interface Target {
  name: string;
  pool: Pool;
  path: string;
  headers: Record<string, string>;
  model: string;
}

const body = (model: string, stream: boolean) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }], ...(stream ? { stream: true } : {}) });

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** One request; resolves with the time to the first content chunk (streams) and the end, in ms from `start`. */
async function call(target: Target, stream: boolean, start: number): Promise<{ first: number; end: number }> {
  const res = await target.pool.request({
    method: 'POST',
    path: target.path,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: body(target.model, stream),
  });
  if (res.statusCode !== 200) {
    const text = await res.body.text();
    throw new Error(`${target.name}: ${res.statusCode} ${text.slice(0, 300)}`);
  }
  let first = NaN;
  for await (const part of res.body) {
    if (Number.isNaN(first) && (!stream || (part as Buffer).includes('"content":"T')))
      first = performance.now() - start;
  }
  return { first, end: performance.now() - start };
}

interface OpenLoopResult {
  p50: number;
  p99: number;
  firstP50: number;
  firstP99: number;
  achieved: number;
  errors: number;
  shed: number;
}

/** Sends `rate` requests per second, evenly spaced, for `seconds`, whatever the answers do (open loop). */
async function openLoop(target: Target, rate: number, seconds: number, stream: boolean): Promise<OpenLoopResult> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const firsts: number[] = [];
  let errors = 0;
  let shed = 0;
  let open = 0;
  let firstError: unknown;
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now() + 5;
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    if (open >= MAX_IN_FLIGHT) {
      shed++;
      continue;
    }
    open++;
    inFlight.push(
      call(target, stream, due)
        .then(
          (r) => {
            latencies.push(r.end);
            firsts.push(r.first);
          },
          (error: unknown) => {
            errors++;
            firstError ??= error;
          },
        )
        .finally(() => open--),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - t0) / 1000;
  if (firstError) console.log(`  ${target.name}: ${errors} errors, first: ${String(firstError).slice(0, 300)}`);
  latencies.sort((a, b) => a - b);
  firsts.sort((a, b) => a - b);
  return {
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    firstP50: pct(firsts, 0.5),
    firstP99: pct(firsts, 0.99),
    achieved: latencies.length / elapsed,
    errors,
    shed,
  };
}

/** Completed requests per second with `concurrency` callers each sending the next request when the last answers. */
async function saturation(
  target: Target,
  seconds: number,
  concurrency: number,
): Promise<{ rate: number; done: number }> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < end) {
      // A failed call (a timeout under overload) is not counted as done.
      if (
        await call(target, false, performance.now()).then(
          () => true,
          () => false,
        )
      )
        done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { rate: done / ((performance.now() - start) / 1000), done };
}

// ---- database work per call: transactions and the statements run in them ----
interface DbCounts {
  transactions: number;
  statements: number;
  /** When set, each transaction and statement is printed (`trace=1`). */
  trace?: boolean;
}

function countDb(db: Db): DbCounts {
  const counts: DbCounts = { transactions: 0, statements: 0 };
  const countQuery = <S extends Sql>(sql: S): S =>
    new Proxy(sql, {
      get(target, prop, receiver) {
        if (prop === 'query')
          return (text: string, params?: readonly unknown[]) => {
            counts.statements++;
            if (counts.trace) console.log(`    ${text.replace(/\s+/g, ' ').slice(0, 110)}`);
            return target.query(text, params);
          };
        if (prop === 'enterTenant')
          return async (orgId: TenantSql['orgId']) =>
            countQuery(await (target as unknown as PlatformSql).enterTenant(orgId));
        if (prop === 'inTenant')
          return (orgId: TenantSql['orgId'], fn: (t: TenantSql) => Promise<unknown>) =>
            (target as unknown as PlatformSql).inTenant(orgId, (t) => fn(countQuery(t)));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  const withTenant = db.withTenant.bind(db);
  const withPlatform = db.withPlatform.bind(db);
  db.withTenant = (orgId, fn) => {
    counts.transactions++;
    if (counts.trace) console.log('  tenant transaction');
    return withTenant(orgId, (sql) => fn(countQuery(sql)));
  };
  db.withPlatform = (fn) => {
    counts.transactions++;
    if (counts.trace) console.log('  platform transaction');
    return withPlatform((sql) => fn(countQuery(sql)));
  };
  return counts;
}

// ---- Bulwark: an org with a provider connection to the upstream, a model, limits, and a developer key ----
async function startBulwark(upstreamUrl: string): Promise<{ server: TestServer; url: string; key: string }> {
  // bound=0 makes every request read its org's generation on PostgreSQL, as before pushed changes (migration 0030).
  const env = {
    BULWARK_GUARD_EMBEDDING_STAGE: 'false',
    ...(args.bound ? { BULWARK_CACHE_PUSH_BOUND_MS: args.bound } : {}),
  };
  const server = await createTestServer({ env });
  const { a } = await twoOrgs(server.app, server.runtime.bootstrap?.secret ?? '');
  const api = apiClient(server.app);
  const org = `/v1/orgs/${a.orgId}`;
  const must = async (res: Promise<{ statusCode: number; body: string }>, what: string) => {
    const r = await res;
    if (r.statusCode >= 300) throw new Error(`${what}: ${r.statusCode} ${r.body}`);
    return JSON.parse(r.body) as Record<string, unknown>;
  };
  const provider = await must(
    api(a.ownerKey, 'POST', `${org}/gateway/providers`, {
      name: 'bench-upstream',
      kind: 'openai-compatible',
      base_url: `${upstreamUrl}/v1`,
    }),
    'provider',
  );
  await must(
    api(a.ownerKey, 'POST', `${org}/gateway/models`, {
      name: 'bench-chat',
      region: 'eu',
      data_classes_allowed: [],
      targets: [{ provider_id: provider.id, upstream_model: 'bench-upstream' }],
    }),
    'model',
  );
  const limits = await api(a.ownerKey, 'GET', `${org}/gateway/limits`);
  await must(
    api(
      a.ownerKey,
      'PUT',
      `${org}/gateway/limits`,
      {
        monthly_tokens: 1_000_000_000_000,
        rpm: 10_000_000,
        tpm: 1_000_000_000,
        cost_guard: 'off',
        budget: { monthly_micros: 1_000_000_000_000_000 },
      },
      { 'if-match': String(limits.headers.etag) },
    ),
    'limits',
  );
  // An org policy in force, so the decision runs org policies as well as the built-in ones.
  const policy = await api(a.ownerKey, 'GET', `${org}/policies`);
  await must(
    api(
      a.ownerKey,
      'PUT',
      `${org}/policies`,
      {
        text: 'forbid (principal, action == Action::"invoke:models", resource is Model) when { context has findings && context.findings.contains("pii.ssn") };',
      },
      { 'if-match': String(policy.headers.etag) },
    ),
    'policy',
  );
  const key = await must(
    api(a.ownerKey, 'POST', `${org}/api-keys`, {
      name: 'bench',
      role: 'developer',
      scopes: ['invoke:models', 'read:models'],
    }),
    'key',
  );
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, url, key: String(key.secret) };
}

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(2) : 'n/a');

async function main(): Promise<void> {
  const upstream = await startUpstream();
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  let portkey: Awaited<ReturnType<typeof startPortkey>> | undefined;
  let portkeyError: unknown;
  try {
    if (!args.only || args.only === 'portkey') portkey = await startPortkey();
  } catch (error) {
    portkeyError = error;
  }
  const bulwark = await startBulwark(upstreamUrl);
  const targets: Target[] = [
    {
      name: 'direct',
      pool: new Pool(upstreamUrl, POOL),
      path: '/v1/chat/completions',
      headers: {},
      model: 'bench-upstream',
    },
    ...(portkey
      ? [
          {
            name: 'portkey',
            pool: new Pool(portkey.url, POOL),
            path: '/v1/chat/completions',
            headers: {
              authorization: 'Bearer sk-bench',
              'x-portkey-provider': 'openai',
              'x-portkey-custom-host': `${upstreamUrl}/v1`,
            },
            model: 'bench-upstream',
          },
        ]
      : []),
    {
      name: 'bulwark',
      pool: new Pool(bulwark.url, POOL),
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${bulwark.key}` },
      model: 'bench-chat',
    },
  ];
  if (portkeyError) console.log(`portkey could not run here: ${String(portkeyError)}`);
  console.log(
    `gateway bench on ${backendName} (cache push bound ${bulwark.server.config.cachePushBoundMs} ms): ${RATE} req/s for ${STEADY_S} s (open loop), saturation ${SATURATION_S} s, streams ${STREAM_RATE} req/s`,
  );
  const results = new Map<string, { steady: OpenLoopResult; sat: number; stream: OpenLoopResult }>();
  // Counted from the start, so the database work per call under saturation (audit batches shared) is printed too.
  const counts = countDb(bulwark.server.testDb.db);
  try {
    for (const target of args.load === '0' ? [] : targets.filter((t) => !args.only || t.name === args.only)) {
      await openLoop(target, 100, 1, false); // warm-up: connections, JIT, caches
      await openLoop(target, 50, 0.5, true);
      const steady = await openLoop(target, RATE, STEADY_S, false);
      const before = { ...counts };
      const profiler = args.profile && target.name === 'bulwark' ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const { rate: sat, done } = await saturation(target, SATURATION_S, Number(args.concurrency ?? 32));
      if (profiler && args.profile) {
        const { profile } = await profiler.post('Profiler.stop');
        await writeFile(args.profile, JSON.stringify(profile));
        profiler.disconnect();
      }
      if (target.name === 'bulwark')
        console.log(
          `bulwark under saturation: ${((counts.transactions - before.transactions) / done).toFixed(2)} transactions, ${((counts.statements - before.statements) / done).toFixed(2)} statements per call`,
        );
      const stream = await openLoop(target, STREAM_RATE, STREAM_S, true);
      results.set(target.name, { steady, sat, stream });
      console.log(
        `${target.name.padEnd(8)} p50 ${fmt(steady.p50)} ms  p99 ${fmt(steady.p99)} ms  (achieved ${steady.achieved.toFixed(0)} req/s, ${steady.errors} errors, ${steady.shed} shed)  saturation ${sat.toFixed(0)} req/s  first chunk p50 ${fmt(stream.firstP50)} ms p99 ${fmt(stream.firstP99)} ms`,
      );
    }
    const direct = results.get('direct');
    const bw = results.get('bulwark');
    const peer = results.get('portkey');
    if (direct && bw) {
      console.log(
        `bulwark adds p50 ${fmt(bw.steady.p50 - direct.steady.p50)} ms, p99 ${fmt(bw.steady.p99 - direct.steady.p99)} ms at ${RATE} req/s; first chunk +${fmt(bw.stream.firstP50 - direct.stream.firstP50)} ms (p50, hold-back ${bulwark.server.config.gateway.streamHoldBackChars} chars)`,
      );
    }
    if (direct && peer) {
      console.log(
        `portkey adds p50 ${fmt(peer.steady.p50 - direct.steady.p50)} ms, p99 ${fmt(peer.steady.p99 - direct.steady.p99)} ms; first chunk +${fmt(peer.stream.firstP50 - direct.stream.firstP50)} ms`,
      );
    }
    if (bw && peer) console.log(`saturation ratio bulwark / portkey: ${(bw.sat / peer.sat).toFixed(2)}x`);
    // Database work of one call, sequentially, after the caches are warm.
    const bulwarkTarget = targets.at(-1) as Target;
    for (const [label, stream] of [
      ['non-streamed', false],
      ['streamed', true],
    ] as const) {
      await bulwark.server.runtime.auditBuffer.flush();
      const before = { ...counts };
      const n = 50;
      for (let i = 0; i < n; i++) await call(bulwarkTarget, stream, performance.now());
      await bulwark.server.runtime.auditBuffer.flush();
      console.log(
        `bulwark ${label} call: ${((counts.transactions - before.transactions) / n).toFixed(2)} transactions, ${((counts.statements - before.statements) / n).toFixed(2)} statements in them (each transaction adds BEGIN, role, context, COMMIT; audit group commits included)`,
      );
    }
    if (args.trace) {
      console.log('one non-streamed call, traced:');
      counts.trace = true;
      await call(bulwarkTarget, false, performance.now());
      await bulwark.server.runtime.auditBuffer.flush();
      counts.trace = false;
    }
  } finally {
    for (const target of targets) await target.pool.close();
    await bulwark.server.close();
    portkey?.child.kill();
    if (portkey) await once(portkey.child, 'exit');
    upstream.close();
  }
}

await main();
