/**
 * The gateway's hot path against its baselines, in one run: a fake upstream that answers at once, reached directly,
 * through `@portkey-ai/gateway` as a bare proxy (the peer), and through Bulwark with org policy, quotas and budget,
 * rule guards, metering and audit on (the embedding guard stage off). For each: latency p50/p99 at a steady,
 * evenly spaced, open-loop rate (latency counted from each request's scheduled start, so a stall is not hidden),
 * requests/s at saturation (closed loop), and the time to the first streamed content chunk. Prints the latency
 * Bulwark adds over direct and its throughput ratio to the peer, then the database work of one Bulwark call
 * (transactions and statements). PGlite by default, PostgreSQL when DATABASE_URL is set. The fake upstream and the
 * load generator run in a worker thread (gateway-load.ts), Portkey in a child process, Bulwark on the main thread, so
 * no setup shares an event loop with the load.
 * Run: npm run bench:gateway [-- rate=500 seconds=5 only=bulwark concurrency=32 bound=250]
 * (`only=` runs one setup; `profile=out.cpuprofile` writes a CPU profile of this process during Bulwark's saturation.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { countDb } from './db-counts.js';
import type { LoadJob, OpenLoopResult, TargetSpec } from './gateway-load.js';
import { apiClient, twoOrgs } from '../test/api/api-client.js';
import { backendName } from '../test/support/test-db.js';
import { createTestServer, type TestServer } from '../test/support/test-server.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const RATE = Number(args.rate ?? 500);
const STEADY_S = Number(args.seconds ?? 5);
const SATURATION_S = 4;
const STREAM_RATE = 100;
const STREAM_S = 2;
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

// ---- the load side, in a worker thread (bench/gateway-load.ts) ----
interface LoadWorker {
  upstreamUrl: string;
  run<T>(job: LoadJob): Promise<T>;
  /** Closes the worker's connections and upstream, then ends the worker. */
  close(): Promise<void>;
}

async function startLoadWorker(): Promise<LoadWorker> {
  const worker = new Worker(new URL('./gateway-load-worker.mjs', import.meta.url));
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const upstreamUrl = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { upstreamUrl: string }) => resolve(message.upstreamUrl));
  });
  worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
    const caller = waiting.get(id);
    waiting.delete(id);
    if (error !== undefined) caller?.reject(new Error(error));
    else caller?.resolve(result);
  });
  const run = <T>(job: LoadJob) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, job });
    });
  return {
    upstreamUrl,
    run,
    async close() {
      await run({ op: 'close' });
      await worker.terminate();
    },
  };
}

async function main(): Promise<void> {
  const load = await startLoadWorker();
  const upstreamUrl = load.upstreamUrl;
  let portkey: Awaited<ReturnType<typeof startPortkey>> | undefined;
  let portkeyError: unknown;
  try {
    if (!args.only || args.only === 'portkey') portkey = await startPortkey();
  } catch (error) {
    portkeyError = error;
  }
  const bulwark = await startBulwark(upstreamUrl);
  const targets: TargetSpec[] = [
    { name: 'direct', url: upstreamUrl, path: '/v1/chat/completions', headers: {}, model: 'bench-upstream' },
    ...(portkey
      ? [
          {
            name: 'portkey',
            url: portkey.url,
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
      url: bulwark.url,
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${bulwark.key}` },
      model: 'bench-chat',
    },
  ];
  await load.run({ op: 'targets', targets });
  const openLoop = (name: string, rate: number, seconds: number, stream: boolean) =>
    load.run<OpenLoopResult>({ op: 'openLoop', name, rate, seconds, stream });
  if (portkeyError) console.log(`portkey could not run here: ${String(portkeyError)}`);
  console.log(
    `gateway bench on ${backendName} (cache push bound ${bulwark.server.config.cachePushBoundMs} ms; load and upstream in a worker thread): ${RATE} req/s for ${STEADY_S} s (open loop), saturation ${SATURATION_S} s, streams ${STREAM_RATE} req/s`,
  );
  const results = new Map<string, { steady: OpenLoopResult; sat: number; stream: OpenLoopResult }>();
  // Counted from the start, so the database work per call under saturation (audit batches shared) is printed too.
  const counts = countDb(bulwark.server.testDb.db);
  try {
    for (const target of args.load === '0' ? [] : targets.filter((t) => !args.only || t.name === args.only)) {
      await openLoop(target.name, 100, 1, false); // warm-up: connections, JIT, caches
      await openLoop(target.name, 50, 0.5, true);
      const steady = await openLoop(target.name, RATE, STEADY_S, false);
      const before = { ...counts };
      const profiler = args.profile && target.name === 'bulwark' ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const { rate: sat, done } = await load.run<{ rate: number; done: number }>({
        op: 'saturation',
        name: target.name,
        seconds: SATURATION_S,
        concurrency: Number(args.concurrency ?? 32),
      });
      if (profiler && args.profile) {
        const { profile } = await profiler.post('Profiler.stop');
        await writeFile(args.profile, JSON.stringify(profile));
        profiler.disconnect();
      }
      if (target.name === 'bulwark')
        console.log(
          `bulwark under saturation: ${((counts.transactions - before.transactions) / done).toFixed(2)} transactions, ${((counts.statements - before.statements) / done).toFixed(2)} statements per call`,
        );
      const stream = await openLoop(target.name, STREAM_RATE, STREAM_S, true);
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
    for (const [label, stream] of [
      ['non-streamed', false],
      ['streamed', true],
    ] as const) {
      await bulwark.server.runtime.auditBuffer.flush();
      const before = { ...counts };
      const n = 50;
      await load.run({ op: 'calls', name: 'bulwark', n, stream });
      await bulwark.server.runtime.auditBuffer.flush();
      console.log(
        `bulwark ${label} call: ${((counts.transactions - before.transactions) / n).toFixed(2)} transactions, ${((counts.statements - before.statements) / n).toFixed(2)} statements in them (each transaction adds BEGIN, role, context, COMMIT; audit group commits included)`,
      );
    }
    if (args.trace) {
      console.log('one non-streamed call, traced:');
      counts.trace = true;
      await load.run({ op: 'calls', name: 'bulwark', n: 1, stream: false });
      await bulwark.server.runtime.auditBuffer.flush();
      counts.trace = false;
    }
  } finally {
    await load.close();
    await bulwark.server.close();
    portkey?.child.kill();
    if (portkey) await once(portkey.child, 'exit');
  }
}

await main();
