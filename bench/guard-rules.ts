// Rule pipeline throughput: `npx tsx bench/guard-rules.ts`.
// Prints MB/s and µs per prompt for the full rule pipeline (secrets + PII + policy) and, separately, the compromise
// name/location stage, beside a baseline of one plain regex pass over the same text, and the ratio to that baseline.
import { detectNamesAndLocations } from '../src/modules/guard/pii/detect-names-locations.js';
import { detectPiiRules } from '../src/modules/guard/pii/detect-pii-rules.js';
import { resolveClassPolicy } from '../src/modules/guard/pipeline/class-policy.js';
import { decideVerdict } from '../src/modules/guard/pipeline/decide-verdict.js';
import { blankSpans } from '../src/modules/guard/pipeline/guard-pipeline.js';
import { detectSecrets } from '../src/modules/guard/secrets/detect-secrets.js';

const PARAGRAPHS = [
  'You are a helpful support assistant for Acme Cloud. Answer briefly and cite the knowledge base article when you can. ',
  'Customer message: Hi, I was charged twice for the Pro plan this month and I would like a refund for the second charge. ',
  'The invoice number is INV-2024-004512 and the charge happened on 2024-03-14 at 10:32 UTC from our Berlin office. ',
  'Our deployment runs version 4.12.3 on three nodes behind the load balancer; latency went from 120 ms to 480 ms after the upgrade. ',
  'Please reply to maria.garcia@example-corp.io or call +1 (415) 555-2671 if you need more details about the account. ',
  'Logs show repeated 502 errors from 10.0.4.17 between 09:00 and 09:15, and the health check at /healthz returned ok. ',
  'Here is the config snippet we use: retries: 3, timeout_ms: 2500, region: eu-central-1, cache_ttl: 600, replicas: 3. ',
  'Summarize the conversation, list the action items with owners, and draft a polite reply that confirms the refund timeline. ',
];

function prompt(bytes: number): string {
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += PARAGRAPHS[i % PARAGRAPHS.length];
  return s.slice(0, bytes);
}

// The phone detector memoises libphonenumber verdicts (history and system prompts are re-sent every turn). Variants
// with fresh phone numbers in every paragraph (more distinct numbers than the memo holds) measure the cold path.
const VARIANTS = 256;
function freshVariants(bytes: number): string[] {
  return Array.from({ length: VARIANTS }, (_, v) => {
    let n = 0;
    return prompt(bytes).replace(/\+1 \(415\) 555-2671/g, () => {
      n++;
      const line = String((v * 97 + n * 131) % 10_000).padStart(4, '0');
      return `+1 (${212 + ((v + n) % 700)}) 555-${line}`;
    });
  });
}

const policy = resolveClassPolicy();
const BASELINE = /\b\d{3}-\d{2}-\d{4}\b/g;

function rulePipeline(text: string): number {
  const secrets = detectSecrets(text);
  const blanked = blankSpans(
    text,
    secrets.filter((f) => f.confidence >= policy.minConfidence),
  );
  return decideVerdict(text, [...secrets, ...detectPiiRules(blanked)], 'input', policy).findings.length;
}
const baseline = (text: string): number => [...text.matchAll(BASELINE)].length;
const ner = (text: string): number => detectNamesAndLocations(text).length;

function time(fn: (t: string) => number, text: string, minMs: number): number {
  for (let i = 0; i < 20; i++) fn(text);
  let n = 0;
  let sink = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    sink += fn(text);
    n++;
  }
  if (sink < 0) console.log(sink);
  return (performance.now() - t0) / n;
}

function timeVariants(fn: (t: string) => number, texts: readonly string[], minMs: number): number {
  for (const t of texts) fn(t);
  let n = 0;
  let sink = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    sink += fn(texts[n % texts.length] ?? '');
    n++;
  }
  if (sink < 0) console.log(sink);
  return (performance.now() - t0) / n;
}

for (const size of [1024, 16 * 1024]) {
  const text = prompt(size);
  const base = time(baseline, text, 300);
  const rules = time(rulePipeline, text, 600);
  const rulesCold = timeVariants(rulePipeline, freshVariants(size), 600);
  const nlp = time(ner, text, 600);
  const row = (name: string, ms: number): string =>
    `  ${name.padEnd(28)} ${(ms * 1000).toFixed(1).padStart(9)} µs/prompt ${(text.length / 1e6 / (ms / 1000)).toFixed(1).padStart(8)} MB/s ${(ms / base).toFixed(1).padStart(7)}x baseline`;
  console.log(`${size / 1024} KB prompt`);
  console.log(row('baseline (one regex pass)', base));
  console.log(row('rule pipeline (PII+secrets)', rules));
  console.log(row('  same, fresh phone numbers', rulesCold));
  console.log(row('NER stage (compromise)', nlp));
  console.log(row('rules + NER', rules + nlp));
}
