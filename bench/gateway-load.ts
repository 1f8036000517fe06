/**
 * The load side of bench/gateway.ts, in a worker thread of its own: the fake upstream and the load generator, so that
 * neither shares an event loop with Bulwark (which runs on the bench's main thread, where its database work is counted)
 * while Portkey runs in a process of its own. The main thread sends it jobs and reads the figures.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort } from 'node:worker_threads';
import { Pool } from 'undici';

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

// ---- load generation ----
/** What to load: where, with which headers and model. */
export interface TargetSpec {
  name: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  model: string;
}

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

export interface OpenLoopResult {
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

/** A job the main thread sends; each is answered with `{ id, result }` or `{ id, error }`. */
export type LoadJob =
  | { op: 'targets'; targets: TargetSpec[] }
  | { op: 'openLoop'; name: string; rate: number; seconds: number; stream: boolean }
  | { op: 'saturation'; name: string; seconds: number; concurrency: number }
  | { op: 'calls'; name: string; n: number; stream: boolean }
  | { op: 'close' };

async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const upstream = await startUpstream();
  const targets = new Map<string, Target>();
  const target = (name: string): Target => {
    const found = targets.get(name);
    if (!found) throw new Error(`no target ${name}`);
    return found;
  };
  const run = async (job: LoadJob): Promise<unknown> => {
    switch (job.op) {
      case 'targets':
        for (const spec of job.targets) targets.set(spec.name, { ...spec, pool: new Pool(spec.url, POOL) });
        return null;
      case 'openLoop':
        return openLoop(target(job.name), job.rate, job.seconds, job.stream);
      case 'saturation':
        return saturation(target(job.name), job.seconds, job.concurrency);
      case 'calls':
        for (let i = 0; i < job.n; i++) await call(target(job.name), job.stream, performance.now());
        return null;
      case 'close':
        for (const t of targets.values()) await t.pool.close();
        upstream.close();
        return null;
    }
  };
  port.on('message', ({ id, job }: { id: number; job: LoadJob }) => {
    run(job).then(
      (result) => port.postMessage({ id, result }),
      (error: unknown) => port.postMessage({ id, error: String(error) }),
    );
  });
  port.postMessage({ upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
}

if (!isMainThread) await serve();
