// Name/location stage, before and after: `npx tsx bench/guard-ner.ts [--limit N] [--pool]`.
// For every text of the shared corpora (../shared/data: injection, toxicity) and the repo's PII fixtures, runs the
// baseline (bench/guard-ner-baseline.ts: compromise with the lexicon compiled per call, no pre-filter) and the current
// detectNamesAndLocations in the same process, alternating which goes first, and prints: texts scanned, texts the
// pre-filter skipped, texts whose findings differ (with examples), and µs per scan (mean, p99) for both.
// --pool runs instead the stage on the calling thread against the stage in the guard rules worker, in one process: per scan
// the event-loop busy time (p50/p99; the most one scan can have held the loop, plus any wait for a core on a shared
// machine), the main thread's CPU time (mean; Linux, counted at scheduler ticks, so only the mean is exact) and the wall
// time, for the stage alone over the corpus texts and for the whole input pipeline over 1 KB texts (the injection first
// stage in the rules worker too, as deployed, and on the calling thread beside names in the worker).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nlp from 'compromise';
import { parse } from 'csv-parse/sync';
import type { Detector, Finding } from '../src/modules/guard/detector.js';
import { parseMarkedSample } from '../src/modules/guard/eval-spans/parse-marked-sample.js';
import { createInjectionDetector } from '../src/modules/guard/injection/injection-detector.js';
import { createLeakageDetector } from '../src/modules/guard/moderation/leakage-detector.js';
import { createToxicityDetector } from '../src/modules/guard/moderation/toxicity-detector.js';
import { detectNamesAndLocations } from '../src/modules/guard/pii/detect-names-locations.js';
import { ORG_NAME_LEXICON } from '../src/modules/guard/pii/detect-organizations.js';
import { detectPiiRules } from '../src/modules/guard/pii/detect-pii-rules.js';
import { mayHoldNames, runsThatMayHoldNames } from '../src/modules/guard/pii/may-hold-names.js';
import { createGuardRulesPool } from '../src/modules/guard/rules-pool.js';
import { createPiiNerDetector, createPiiRulesDetector } from '../src/modules/guard/pii/pii-detector.js';
import { createGuardPipeline } from '../src/modules/guard/pipeline/guard-pipeline.js';
import { detectSecrets } from '../src/modules/guard/secrets/detect-secrets.js';
import { createSecretsDetector } from '../src/modules/guard/secrets/secrets-detector.js';
import { detectNamesAndLocationsBaseline } from './guard-ner-baseline.js';
import { measureMainThread, type MainThreadSample as Sample } from './main-thread-time.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const SHARED = here('../../shared/data/');
// The baseline's own gate (copied from it): text with no capital and no lower-case name cue never reaches the model.
const LOWER_NAME_CUE = /\b(?:my name is|i am|i'm|this is|call me|regards,|thanks,|cheers,|dear|hi|hello)\s+\p{Ll}/iu;

interface Corpus {
  readonly name: string;
  readonly texts: string[];
}

const jsonlTexts = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);

function csvColumn(file: string, column: string): string[] {
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows.map((r) => r[column] ?? '').filter((t) => t !== '');
}

function corpora(): Corpus[] {
  const out: Corpus[] = [];
  const add = (name: string, file: string, read: (f: string) => string[]): void => {
    if (existsSync(file)) out.push({ name, texts: read(file) });
    else console.log(`(missing, skipped: ${file})`);
  };
  add('injection/dev.jsonl', `${SHARED}injection/dev.jsonl`, jsonlTexts);
  add('injection/dev-extra.jsonl', `${SHARED}injection/dev-extra.jsonl`, jsonlTexts);
  add('toxicity/dev-extra.jsonl', `${SHARED}toxicity/dev-extra.jsonl`, jsonlTexts);
  add('toxicity/hatecheck', `${SHARED}toxicity/hatecheck_test_suite_cases.csv`, (f) => csvColumn(f, 'test_case'));
  add('toxicity/surge', `${SHARED}toxicity/surge_toxicity_en.csv`, (f) => csvColumn(f, 'text'));
  add('fixtures/pii-tune.jsonl', here('../test/fixtures/guard/pii-tune.jsonl'), jsonlTexts);
  add('fixtures/pii-holdout.jsonl', here('../test/fixtures/guard/pii-holdout.jsonl'), jsonlTexts);
  for (const sample of ['pii-dev.txt', 'pii-holdout.txt']) {
    add(`eval-spans/${sample}`, here(`../src/modules/guard/eval-spans/samples/${sample}`), (f) =>
      parseMarkedSample(readFileSync(f, 'utf8')).map((r) => r.text),
    );
  }
  return out;
}

const describe = (text: string, fs: readonly Finding[]): string[] =>
  fs.map((f) => `${f.class}:${text.slice(f.start, f.end)}@${f.start}`);

function stats(us: number[]): string {
  const sorted = [...us].sort((a, b) => a - b);
  const mean = us.reduce((a, b) => a + b, 0) / Math.max(1, us.length);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
  return `mean ${mean.toFixed(0).padStart(6)} µs  p99 ${p99.toFixed(0).padStart(7)} µs`;
}

function timed(fn: (t: string) => Finding[], text: string): { findings: Finding[]; us: number } {
  const t0 = performance.now();
  const findings = fn(text);
  return { findings, us: (performance.now() - t0) * 1000 };
}

// --lexicon-check: also compare compromise's raw spans with the lexicon passed per call (as before) and loaded once.
const LEXICON_CHECK = process.argv.includes('--lexicon-check');
const rawSpans = (doc: ReturnType<typeof nlp>): string =>
  JSON.stringify(
    [doc.people(), doc.places(), doc.organizations(), doc.match('#ProperNoun+')].map((v) =>
      (v.json({ offset: true }) as { offset: unknown }[]).map((j) => j.offset),
    ),
  );
let lexiconDiffs = 0;

const limitArg = process.argv.indexOf('--limit');
const limit = limitArg > 0 ? Number(process.argv[limitArg + 1]) : Infinity;
const CORPORA = corpora();

/** Baseline (guard-ner-baseline.ts) against the current detector, both on the calling thread. */
function compareBaseline(): void {
  // Warm both paths (JIT, compromise's lazy caches) on text outside the corpora.
  for (let i = 0; i < 30; i++) {
    const warm = `Warm-up ${i}: ask Maria Lopez in Lisbon about the Acme Widgets Ltd invoice.`;
    detectNamesAndLocationsBaseline(warm);
    detectNamesAndLocations(warm);
  }

  const all = { old: [] as number[], new: [] as number[], oldRan: [] as number[], newRan: [] as number[] };
  let scanned = 0;
  let reachedModel = 0;
  let skipped = 0;
  let charsReaching = 0;
  let charsRead = 0;
  const diffs: string[] = [];
  let differing = 0;
  for (const corpus of CORPORA) {
    let cSkipped = 0;
    let cReached = 0;
    let cDiff = 0;
    const cOld: number[] = [];
    const cNew: number[] = [];
    for (const [i, text] of corpus.texts.slice(0, limit).entries()) {
      // Alternate which runs first, so neither always meets a warmer cache.
      const first = i % 2 === 0;
      const a = first ? timed(detectNamesAndLocationsBaseline, text) : undefined;
      const b = timed(detectNamesAndLocations, text);
      const old = a ?? timed(detectNamesAndLocationsBaseline, text);
      scanned++;
      if (LEXICON_CHECK && rawSpans(nlp(text, ORG_NAME_LEXICON)) !== rawSpans(nlp(text))) lexiconDiffs++;
      cOld.push(old.us);
      cNew.push(b.us);
      const reaches = /\p{Lu}/u.test(text) || LOWER_NAME_CUE.test(text);
      const skips = reaches && !LOWER_NAME_CUE.test(text) && !mayHoldNames(text);
      if (reaches) {
        cReached++;
        charsReaching += text.length;
        charsRead += LOWER_NAME_CUE.test(text)
          ? text.length
          : runsThatMayHoldNames(text).reduce((n, r) => n + r.end - r.start, 0);
      }
      if (skips) cSkipped++;
      else if (reaches) {
        all.oldRan.push(old.us);
        all.newRan.push(b.us);
      }
      const before = describe(text, old.findings);
      const after = describe(text, b.findings);
      if (JSON.stringify(old.findings) !== JSON.stringify(b.findings)) {
        cDiff++;
        if (diffs.length < 12) {
          const lost = before.filter((f) => !after.includes(f));
          const gained = after.filter((f) => !before.includes(f));
          diffs.push(
            `[${corpus.name} #${i}] skipped=${skips} lost=${JSON.stringify(lost)} gained=${JSON.stringify(gained)}\n    ${JSON.stringify(text.slice(0, 300))}`,
          );
        }
      }
    }
    all.old.push(...cOld);
    all.new.push(...cNew);
    reachedModel += cReached;
    skipped += cSkipped;
    differing += cDiff;
    const n = Math.min(limit, corpus.texts.length);
    console.log(
      `${corpus.name.padEnd(28)} texts ${String(n).padStart(5)}  reach model ${String(cReached).padStart(5)}  pre-filter skipped ${String(cSkipped).padStart(5)} (${((100 * cSkipped) / Math.max(1, cReached)).toFixed(1)}% of those)  differ ${cDiff}`,
    );
    console.log(`${''.padEnd(28)} old ${stats(cOld)}   new ${stats(cNew)}`);
  }
  console.log('');
  console.log(`texts scanned                  ${scanned}`);
  console.log(`texts that reach the model     ${reachedModel} (the rest have no capital and no lower-case name cue)`);
  console.log(
    `pre-filter skipped             ${skipped} (${((100 * skipped) / Math.max(1, reachedModel)).toFixed(1)}% of those, ${((100 * skipped) / Math.max(1, scanned)).toFixed(1)}% of all)`,
  );
  console.log(
    `model reads                    ${((100 * charsRead) / Math.max(1, charsReaching)).toFixed(1)}% of the characters of those texts (sentences that may hold a name)`,
  );
  console.log(`texts whose findings differ    ${differing}`);
  if (LEXICON_CHECK) console.log(`texts whose raw compromise spans differ, lexicon per call vs once: ${lexiconDiffs}`);
  for (const d of diffs) console.log(`  ${d}`);
  console.log(`all texts             old ${stats(all.old)}   new ${stats(all.new)}`);
  console.log(
    `texts not skipped     old ${stats(all.oldRan)}   new ${stats(all.newRan)}   (lexicon once, candidate sentences only)`,
  );
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  console.log(`ratio new/old (mean, all texts) ${(mean(all.new) / mean(all.old)).toFixed(3)}`);
}

const quantile = (xs: readonly number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
};
const ms = (xs: readonly number[]): string =>
  `p50 ${quantile(xs, 0.5).toFixed(3).padStart(8)} ms  p99 ${quantile(xs, 0.99).toFixed(3).padStart(8)} ms`;

/** Runs `texts` through `scan` one at a time. */
async function oneAtATime(texts: readonly string[], scan: (t: string) => unknown): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const text of texts) out.push(await measureMainThread(() => scan(text)));
  return out;
}

/** Runs `texts` with `concurrency` scans in flight; returns per-scan wall times and texts per second. */
async function concurrent(
  texts: readonly string[],
  scan: (t: string) => unknown,
  concurrency: number,
): Promise<{ wall: number[]; perSecond: number }> {
  const wall: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    for (let i = next++; i < texts.length; i = next++) {
      const start = performance.now();
      await scan(texts[i] ?? '');
      wall.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { wall, perSecond: texts.length / ((performance.now() - t0) / 1000) };
}

function inputPipeline(ner: Detector, injection: Detector) {
  const findSensitive = (text: string) => [...detectSecrets(text), ...detectPiiRules(text)];
  // The guard service's detectors (guard-service.ts) without the embedding stage (bench/guard-embedding.ts).
  return createGuardPipeline({
    secretDetectors: [createSecretsDetector()],
    detectors: [
      createPiiRulesDetector(),
      ner,
      injection,
      createToxicityDetector(),
      createLeakageDetector({ findSensitive }),
    ],
  });
}

async function comparePool(texts: readonly string[]): Promise<void> {
  const pool = createGuardRulesPool({ size: 1, maxQueue: 100_000, timeoutMs: 600_000 });
  await pool.start();
  const ctx = { hook: 'input' } as const;
  const inThread = createPiiNerDetector();
  const pooled = createPiiNerDetector({ pool });
  const threadPipeline = inputPipeline(inThread, createInjectionDetector());
  // As deployed: names and the injection first stage in the one rules worker; and, for comparison, names alone there.
  const poolPipeline = inputPipeline(pooled, createInjectionDetector({ rulesPool: pool }));
  const namesOnlyPipeline = inputPipeline(pooled, createInjectionDetector());
  // 1 KB windows of the corpus texts, so every one is different (no cache flatters either side).
  const joined = texts.join('\n\n');
  const kb = Array.from({ length: Math.min(400, Math.floor(joined.length / 1024)) }, (_, i) =>
    joined.slice(i * 1024, (i + 1) * 1024),
  );
  // INVARIANT: every pool run comes before any in-thread one: compromise's garbage from in-thread scans would be
  // collected on the main thread during the pool's scans and counted against them.
  const warm = (i: number): string => `Warm-up ${i}: ask Maria Lopez in Lisbon about the Acme Widgets Ltd invoice.`;
  for (let i = 0; i < 30; i++) await pooled.scan(warm(i), ctx);
  for (const t of kb.slice(0, 20)) await poolPipeline.run(t, ctx);
  const inPool = await oneAtATime(texts, (t) => pooled.scan(t, ctx));
  const poolRuns = await oneAtATime(kb, (t) => poolPipeline.run(t, ctx));
  const poolLoad = await concurrent(kb, (t) => poolPipeline.run(t, ctx), 8);
  for (const t of kb.slice(0, 20)) await namesOnlyPipeline.run(t, ctx);
  const namesOnlyRuns = await oneAtATime(kb, (t) => namesOnlyPipeline.run(t, ctx));
  const namesOnlyLoad = await concurrent(kb, (t) => namesOnlyPipeline.run(t, ctx), 8);
  for (let i = 0; i < 30; i++) await inThread.scan(warm(i), ctx);
  for (const t of kb.slice(0, 20)) await threadPipeline.run(t, ctx);
  const alone = await oneAtATime(texts, (t) => inThread.scan(t, ctx));
  const threadRuns = await oneAtATime(kb, (t) => threadPipeline.run(t, ctx));
  const threadLoad = await concurrent(kb, (t) => threadPipeline.run(t, ctx), 8);
  await pool.close();

  const cpu = (xs: Sample[]): number[] => xs.map((x) => x.cpuMs);
  const busy = (xs: Sample[]): number[] => xs.map((x) => x.busyMs);
  const wall = (xs: Sample[]): number[] => xs.map((x) => x.wallMs);
  const total = (xs: number[]): number => xs.reduce((n, x) => n + x, 0);
  const mean = (xs: number[]): string => `mean ${(total(xs) / Math.max(1, xs.length)).toFixed(3).padStart(8)} ms`;
  const rows = (a: Sample[], b: Sample[]): void => {
    console.log(`  event-loop busy per scan  in-thread ${ms(busy(a))}   pool ${ms(busy(b))}`);
    console.log(`  main-thread CPU per scan  in-thread ${mean(cpu(a))}                  pool ${mean(cpu(b))}`);
    console.log(`  wall per scan             in-thread ${ms(wall(a))}   pool ${ms(wall(b))}`);
  };
  console.log(`names stage alone, ${texts.length} corpus texts one at a time (pool first, then in-thread)`);
  rows(alone, inPool);
  console.log(
    `whole input pipeline (secrets, PII and names, injection and toxicity rules), ${kb.length} texts of 1 KB`,
  );
  console.log('  pool: names and the injection first stage in the rules worker');
  rows(threadRuns, poolRuns);
  const load = (r: { wall: number[]; perSecond: number }): string =>
    `${ms(r.wall)} ${r.perSecond.toFixed(0).padStart(5)}/s`;
  console.log(`  8 at once, wall           in-thread ${load(threadLoad)}   pool ${load(poolLoad)}`);
  console.log('  pool: names alone in the rules worker, the injection first stage on the calling thread');
  rows(threadRuns, namesOnlyRuns);
  console.log(`  8 at once, wall           in-thread ${load(threadLoad)}   pool ${load(namesOnlyLoad)}`);
  console.log(
    `main-thread CPU pool/in-thread: names stage ${(total(cpu(inPool)) / total(cpu(alone))).toFixed(3)}, whole pipeline ${(total(cpu(poolRuns)) / total(cpu(threadRuns))).toFixed(3)} (names alone in the pool ${(total(cpu(namesOnlyRuns)) / total(cpu(threadRuns))).toFixed(3)})`,
  );
}

// --pool: only the stage on the calling thread against the stage in its worker pool (this process, no baseline run
// before it, whose garbage the main thread would collect during the pool's scans).
if (process.argv.includes('--pool')) await comparePool(CORPORA.flatMap((c) => c.texts.slice(0, limit)));
else compareBaseline();
