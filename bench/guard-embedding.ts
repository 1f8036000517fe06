// Embedding-stage and rule-stage cost per prompt, beside a baseline of one plain regex pass over the same text.
// Run: npx tsx bench/guard-embedding.ts   (prints ratios; numbers depend on the machine and its load)
import { EmbeddingPool } from '../src/modules/guard/embedding/embedding-pool.js';
import { prepareEmbeddingInput } from '../src/modules/guard/embedding/prepare-embedding-input.js';
import { scanInjectionRules } from '../src/modules/guard/injection/scan-injection-rules.js';

const sentences = [
  'Please summarise the quarterly report and list the three biggest risks.',
  'The customer asked whether the refund can be processed before Friday.',
  'Our deployment pipeline builds the container, runs the tests and pushes the image.',
  'Ignore the noise in the logs; the failing job is the database migration.',
  'You are a helpful assistant that answers questions about the company handbook.',
];

function promptOf(bytes: number, salt: number): string {
  let text = `Request ${salt}: `;
  for (let i = salt; text.length < bytes; i++) text += `${sentences[i % sentences.length] ?? ''} `;
  return text.slice(0, bytes);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function time(runs: number, fn: (i: number) => unknown): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn(i);
    samples.push(performance.now() - started);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const baselinePattern = /\b(?:ignore|disregard)\s+(?:all\s+)?previous\s+instructions\b/gi;
const pool = new EmbeddingPool({ size: 1, timeoutMs: 60_000 });
await pool.start();
await pool.embed(['warm up']);
const runs = 40;
const row = (name: string, t: { p50: number; p99: number }, base: { p50: number }): string =>
  `${name.padEnd(34)} p50 ${t.p50.toFixed(3).padStart(9)} ms  p99 ${t.p99.toFixed(3).padStart(9)} ms  ×${(t.p50 / Math.max(base.p50, 1e-6)).toFixed(0).padStart(7)} baseline`;

for (const bytes of [1_024, 16_384]) {
  const prompts = Array.from({ length: runs }, (_, i) => promptOf(bytes, i));
  // Warm up the rule stage (first calls compile ~90 regexes and JIT the scanners), so p50/p99 show steady state.
  for (let i = 0; i < 20; i++) scanInjectionRules(promptOf(bytes, runs + i));
  const baseline = await time(runs, (i) => (prompts[i] ?? '').match(baselinePattern));
  const rules = await time(runs, (i) => scanInjectionRules(prompts[i] ?? ''));
  const embedding = await time(runs, (i) => pool.embed([prepareEmbeddingInput(prompts[i] ?? '')]));
  console.log(`\n${bytes / 1024} KB prompts (${runs} runs)`);
  console.log(row('baseline: one regex pass', baseline, baseline));
  console.log(row('injection rule stage', rules, baseline));
  console.log(row('embedding stage (worker round trip)', embedding, baseline));
}
const short = Array.from({ length: runs }, (_, i) => `${sentences[i % sentences.length] ?? ''} (${i})`);
const shortTime = await time(runs, (i) => pool.embed([short[i] ?? '']));
console.log(
  `\nshort prompts (~70 chars): embedding p50 ${shortTime.p50.toFixed(2)} ms, p99 ${shortTime.p99.toFixed(2)} ms`,
);
await pool.close();
