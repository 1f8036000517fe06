// Injection detector cost per 1 KB prompt: first stage (rules + lexical segments + perplexity), the embedding stage
// as deployed (cascade: only uncertain texts reach the model), the bare model on every text, and the whole default
// input pipeline, beside a one-regex baseline measured in the same run. Then what the first stage costs the main
// thread's event loop (busy time per scan, p50/p99) on the calling thread against in the guard rules worker, as a
// ratio in the same run. Run: npx tsx bench/guard-injection.ts [--event-loop] (--event-loop: only that comparison,
// without loading the embedding model).
import { readFileSync } from 'node:fs';
import { EmbeddingPool } from '../src/modules/guard/embedding/embedding-pool.js';
import { prepareEmbeddingInput } from '../src/modules/guard/embedding/prepare-embedding-input.js';
import { createInjectionDetector } from '../src/modules/guard/injection/injection-detector.js';
import { collectEvidence } from '../src/modules/guard/injection/injection-features.js';
import { runInjectionStageOne } from '../src/modules/guard/injection/injection-stage-one.js';
import {
  decidedWithoutEmbedding,
  loadShippedInjectionModel,
  scoreStageOne,
} from '../src/modules/guard/injection/injection-model.js';
import { createPiiRulesDetector } from '../src/modules/guard/pii/pii-detector.js';
import { createGuardPipeline } from '../src/modules/guard/pipeline/guard-pipeline.js';
import { createGuardRulesPool, runRulesStage } from '../src/modules/guard/rules-pool.js';
import { createSecretsDetector } from '../src/modules/guard/secrets/secrets-detector.js';
import { measureMainThread, type MainThreadSample } from './main-thread-time.js';

// Prompts: the shipped test sample (attacks and benign, many kinds), each cut or padded to 1 KB.
const sample = readFileSync(
  new URL('../test/fixtures/guard/injection-cross-source-sample.jsonl', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => (JSON.parse(l) as { text: string }).text);
const prompts = sample.map((t) =>
  t.length >= 1024 ? t.slice(0, 1024) : `${t} ${'Thanks for your help with this. '.repeat(40)}`.slice(0, 1024),
);

const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? 0;

async function time(fn: (text: string) => unknown): Promise<{ p50: number; p99: number; max: number }> {
  const samples: number[] = [];
  for (const text of prompts) {
    const started = performance.now();
    await fn(text);
    samples.push(performance.now() - started);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples) };
}

const model = loadShippedInjectionModel();

/** First stage on the calling thread against the same stage in the guard rules worker: main-thread cost per scan. */
async function compareEventLoop(): Promise<void> {
  const rulesPool = createGuardRulesPool({ size: 1, maxQueue: 100_000, timeoutMs: 600_000 });
  await rulesPool.start();
  const inThread = createInjectionDetector();
  const pooled = createInjectionDetector({ rulesPool });
  const oneAtATime = async (scan: (t: string) => unknown): Promise<MainThreadSample[]> => {
    const out: MainThreadSample[] = [];
    for (const text of prompts) out.push(await measureMainThread(() => scan(text)));
    return out;
  };
  // INVARIANT: every worker run comes before any in-thread one, so garbage of in-thread scans is not collected on
  // the main thread during the worker's scans and counted against them.
  for (const t of prompts.slice(0, 30)) await pooled.scan(t, { hook: 'input' });
  const stageInWorker = await oneAtATime((t) => runRulesStage(rulesPool, 'injection', t));
  const detectorInWorker = await oneAtATime((t) => pooled.scan(t, { hook: 'input' }));
  for (const t of prompts.slice(0, 30)) runInjectionStageOne(model, t);
  const stageInThread = await oneAtATime((t) => runInjectionStageOne(model, t));
  const detectorInThread = await oneAtATime((t) => inThread.scan(t, { hook: 'input' }));
  await rulesPool.close();

  const pick = (xs: MainThreadSample[], key: keyof MainThreadSample): number[] => xs.map((x) => x[key]);
  const mean = (xs: number[]): number => xs.reduce((n, x) => n + x, 0) / Math.max(1, xs.length);
  const cell = (xs: number[]): string =>
    `p50 ${percentile(xs, 50).toFixed(3).padStart(7)}  p99 ${percentile(xs, 99).toFixed(3).padStart(7)}`;
  const rows = (name: string, thread: MainThreadSample[], worker: MainThreadSample[]): void => {
    const busyT = pick(thread, 'busyMs');
    const busyW = pick(worker, 'busyMs');
    console.log(`${name}`);
    console.log(`  event-loop busy ms   in-thread ${cell(busyT)}   worker ${cell(busyW)}`);
    const cpuT = mean(pick(thread, 'cpuMs'));
    const cpuW = mean(pick(worker, 'cpuMs'));
    console.log(
      `  ratio in-thread/worker  busy p50 ×${(percentile(busyT, 50) / percentile(busyW, 50)).toFixed(1)}  busy p99 ×${(percentile(busyT, 99) / percentile(busyW, 99)).toFixed(1)}`,
    );
    console.log(
      `  main-thread CPU mean  in-thread ${cpuT.toFixed(3)} ms   worker ${cpuW.toFixed(3)} ms   ×${(cpuT / cpuW).toFixed(1)}`,
    );
    console.log(
      `  wall ms              in-thread ${cell(pick(thread, 'wallMs'))}   worker ${cell(pick(worker, 'wallMs'))}`,
    );
  };
  console.log(
    `\ninjection first stage, main-thread cost, ${prompts.length} prompts of 1 KB one at a time (worker first)`,
  );
  rows('first stage alone (runInjectionStageOne / the rules worker)', stageInThread, stageInWorker);
  rows('injection detector, lexical path (no embedding pool)', detectorInThread, detectorInWorker);
}

if (process.argv.includes('--event-loop')) {
  await compareEventLoop();
  process.exit(0);
}

const pool = new EmbeddingPool({ size: 1, timeoutMs: 60_000 });
await pool.start();
await pool.embed(['warm up']);
const detector = createInjectionDetector({ pool, model });
const pipeline = createGuardPipeline({
  secretDetectors: [createSecretsDetector()],
  detectors: [createPiiRulesDetector(), detector],
});
for (const text of prompts.slice(0, 20)) scoreStageOne(model, text, collectEvidence(text));

const baselinePattern = /\b(?:ignore|disregard)\s+(?:all\s+)?previous\s+instructions\b/gi;
const baseline = await time((t) => t.match(baselinePattern));
const stageOne = await time((t) => scoreStageOne(model, t, collectEvidence(t)));
let sent = 0;
const embeddingStage = await time(async (t) => {
  if (decidedWithoutEmbedding(model, scoreStageOne(model, t, collectEvidence(t)))) return;
  sent++;
  await pool.embed([prepareEmbeddingInput(t, model.embedding.inputChars)]);
});
const bare = await time((t) => pool.embed([prepareEmbeddingInput(t, model.embedding.inputChars)]));
const bare1k = await time((t) => pool.embed([prepareEmbeddingInput(t)]));
const whole = await time((t) => pipeline.run(t, { hook: 'input' }));
const row = (name: string, t: { p50: number; p99: number; max?: number }): string =>
  `${name.padEnd(48)} p50 ${t.p50.toFixed(2).padStart(8)} ms  p99 ${t.p99.toFixed(2).padStart(8)} ms  ×${(t.p50 / Math.max(baseline.p50, 1e-6)).toFixed(0).padStart(6)} baseline`;
console.log(`\ninjection, ${prompts.length} prompts of 1 KB`);
console.log(row('baseline: one regex pass', baseline));
console.log(row('first stage (sync; longest event-loop hold)', stageOne));
console.log(`  first stage, longest single scan: ${stageOne.max.toFixed(2)} ms`);
console.log(row(`embedding stage as deployed (${((sent / prompts.length) * 100).toFixed(0)}% sent)`, embeddingStage));
console.log(row('bare model, 256-char window, every text', bare));
console.log(row('bare model, 1,000-char window, every text', bare1k));
console.log(row('default input pipeline (secrets, PII rules, injection)', whole));
await pool.close();
await compareEventLoop();
