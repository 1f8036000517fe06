// Injection detector cost per 1 KB prompt: first stage (rules + lexical segments + perplexity), the embedding stage
// as deployed (cascade: only uncertain texts reach the model), the bare model on every text, and the whole default
// input pipeline, beside a one-regex baseline measured in the same run. Run: npx tsx bench/guard-injection.ts
import { readFileSync } from 'node:fs';
import { EmbeddingPool } from '../src/modules/guard/embedding/embedding-pool.js';
import { prepareEmbeddingInput } from '../src/modules/guard/embedding/prepare-embedding-input.js';
import { createInjectionDetector } from '../src/modules/guard/injection/injection-detector.js';
import { collectEvidence } from '../src/modules/guard/injection/injection-features.js';
import {
  decidedWithoutEmbedding,
  loadShippedInjectionModel,
  scoreStageOne,
} from '../src/modules/guard/injection/injection-model.js';
import { createPiiRulesDetector } from '../src/modules/guard/pii/pii-detector.js';
import { createGuardPipeline } from '../src/modules/guard/pipeline/guard-pipeline.js';
import { createSecretsDetector } from '../src/modules/guard/secrets/secrets-detector.js';

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
