import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, ScanContext } from '../detector.js';
import { parseMarkedSample } from '../eval-spans/parse-marked-sample.js';
import { createGuardPipeline } from '../pipeline/guard-pipeline.js';
import { createGuardRulesPool } from '../rules-pool.js';
import { PII_DETECTOR_UNAVAILABLE } from './classes.js';
import { detectNamesAndLocations } from './detect-names-locations.js';
import { createPiiNerDetector } from './pii-detector.js';

const here = (p: string): URL => new URL(p, import.meta.url);
const jsonlTexts = (url: URL): string[] =>
  readFileSync(url, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);

// 299 rows of ../shared/data/injection/dev.jsonl and dev-extra.jsonl (copied into the repo), the PII fixtures and
// samples, and the texts of detect-names-locations.test.ts.
const CORPUS = [
  ...jsonlTexts(here('../../../../test/fixtures/guard/injection-cross-source-sample.jsonl')),
  ...jsonlTexts(here('../../../../test/fixtures/guard/pii-tune.jsonl')),
  ...jsonlTexts(here('../../../../test/fixtures/guard/pii-holdout.jsonl')),
  ...['pii-dev.txt', 'pii-holdout.txt'].flatMap((f) =>
    parseMarkedSample(readFileSync(here(`../eval-spans/samples/${f}`), 'utf8')).map((r) => r.text),
  ),
  'John called me yesterday.',
  'Please book a flight to paris.',
  'My name is Zanele Mbeki.',
  'regards, david',
  'Ask the FBI about it.',
  'Wire the money to HSBC today.',
  'Deloitte audited us last year.',
  'Salt & pepper is all you need.',
  'Summarize this. Then email Maria Lopez in Lisbon.',
  'Don’t use bullet points. I’m in a hurry.',
  '',
];
const INPUT: ScanContext = { hook: 'input' };
const NAMED = 'Ask Maria Lopez in Lisbon about the Acme Widgets Ltd invoice.';

// Test workers, written beside each other in a temporary folder. `hang` spins forever on the text "hang" (and answers
// anything else with no names); `crash` exits on the text "crash" and is the real worker otherwise.
const dir = mkdtempSync(join(tmpdir(), 'bulwark-names-'));
const testWorker = (name: string, source: string): URL => {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, source);
  return pathToFileURL(path);
};
const hangWorker = testWorker(
  'hang',
  `import { parentPort } from 'node:worker_threads';
parentPort.on('message', ({ id, inputs }) => {
  if (inputs.some((task) => task.text === 'hang')) for (;;);
  parentPort.postMessage({ type: 'result', id, outputs: inputs.map(() => ({ stage: 'names', findings: [] })) });
});
parentPort.postMessage({ type: 'ready' });
`,
);
const crashWorker = testWorker(
  'crash',
  `import { parentPort } from 'node:worker_threads';
parentPort.on('message', ({ inputs }) => { if (inputs.some((task) => task.text === 'crash')) process.exit(3); });
await import(${JSON.stringify(here('../rules-worker.mjs').href)});
`,
);

const unavailable = (text: string): Finding[] => [
  {
    class: PII_DETECTOR_UNAVAILABLE,
    start: 0,
    end: text.length,
    confidence: 1,
    reason: 'guard.detector_unavailable',
    detector: 'pii-ner',
  },
];

describe('names-and-places stage in the guard rules worker', () => {
  const pool = createGuardRulesPool({ maxQueue: 10_000, timeoutMs: 60_000 });
  const detector = createPiiNerDetector({ pool });
  beforeAll(() => pool.start());
  afterAll(() => pool.close());

  it('finds what the in-thread detector finds, at the same offsets, over the corpus texts', async () => {
    expect(CORPUS.length).toBeGreaterThan(600);
    // All at once, so the pool micro-batches them.
    const fromPool = await Promise.all(CORPUS.map((text) => detector.scan(text, INPUT)));
    const inThread = CORPUS.map((text) => detectNamesAndLocations(text));
    expect(fromPool).toEqual(inThread);
    expect(inThread.flat().length).toBeGreaterThan(300);
  });

  it('keeps the event loop turning while a large text is scanned, where the in-thread detector holds it', async () => {
    const large = CORPUS.slice(0, 120).join('\n\n');
    let ticks = 0;
    let ticking = false;
    const tick = (): void => {
      if (!ticking) return;
      ticks++;
      setImmediate(tick);
    };
    const ticksWhile = async (scan: () => Finding[] | Promise<Finding[]>): Promise<number> => {
      ticks = 0;
      ticking = true;
      setImmediate(tick);
      await scan();
      ticking = false;
      return ticks;
    };
    // In the pool the scan takes as long, but the loop keeps serving other work meanwhile.
    expect(await ticksWhile(() => detector.scan(large, INPUT))).toBeGreaterThan(10);
    // On the calling thread, not one tick runs until the scan is over.
    expect(await ticksWhile(() => detectNamesAndLocations(large))).toBe(0);
  });

  it('flood: a scan beyond the queue bound is refused and fails closed; the pipeline blocks it', async () => {
    const small = createGuardRulesPool({ maxQueue: 2, timeoutMs: 60_000 });
    await small.start();
    const smallDetector = createPiiNerDetector({ pool: small });
    // The first goes to the worker, the next two wait, the fourth finds the queue full.
    const texts = [NAMED, 'Hello Grace Hopper.', 'Email Ada Lovelace.', 'Call Alan Turing.'];
    const results = await Promise.all(texts.map((t) => smallDetector.scan(t, INPUT)));
    expect(results.slice(0, 3)).toEqual(texts.slice(0, 3).map((t) => detectNamesAndLocations(t)));
    expect(results[3]).toEqual(unavailable(texts[3] ?? ''));
    const pipeline = createGuardPipeline({ secretDetectors: [], detectors: [smallDetector] });
    const busy = texts.map((t) => pipeline.run(t, INPUT));
    const verdicts = await Promise.all(busy);
    expect(verdicts[3]).toMatchObject({ verdict: 'block', reasons: ['guard.detector_unavailable'] });
    expect(verdicts[3]?.findings.map((f) => [f.class, f.action])).toEqual([[PII_DETECTOR_UNAVAILABLE, 'block']]);
    await small.close();
  });

  it('stalling text: a scan past its timeout fails closed, and the stuck worker is replaced, not waited for', async () => {
    const stuck = createGuardRulesPool({ workerUrl: hangWorker, timeoutMs: 200, timeoutMsPerKb: 0 });
    const stuckDetector = createPiiNerDetector({ pool: stuck });
    expect(await stuckDetector.scan('hang', INPUT)).toEqual(unavailable('hang'));
    // The old worker still spins; only its replacement can answer this one.
    expect(await stuckDetector.scan('hello', INPUT)).toEqual([]);
    const output = await createGuardPipeline({ secretDetectors: [], detectors: [stuckDetector] }).run('hang', {
      hook: 'output',
    });
    expect(output).toMatchObject({ verdict: 'block', reasons: ['guard.detector_unavailable'] });
    await stuck.close();
  });

  it('answers again after a worker crash, and fails closed for good after too many', async () => {
    const fragile = createGuardRulesPool({ workerUrl: crashWorker, timeoutMs: 60_000 });
    const fragileDetector = createPiiNerDetector({ pool: fragile });
    expect(await fragileDetector.scan('crash', INPUT)).toEqual(unavailable('crash'));
    expect(fragile.available).toBe(true);
    expect(await fragileDetector.scan(NAMED, INPUT)).toEqual(detectNamesAndLocations(NAMED));
    for (let crash = 2; crash <= 4; crash++) {
      expect(await fragileDetector.scan('crash', INPUT)).toEqual(unavailable('crash'));
      // Wait for the replacement to be up (or for the pool to give up) before crashing it again.
      await fragileDetector.scan('ready?', INPUT);
    }
    expect(fragile.available).toBe(false);
    expect(await fragileDetector.scan(NAMED, INPUT)).toEqual(unavailable(NAMED));
    await fragile.close();
  });

  // Attack (on availability): make the first worker die while it starts (a transient failure, an OOM kill). The pool
  // respawns it; fail-closed must not turn that one failure into a refusal of every later scan.
  it('answers once a worker that died while starting has been replaced', async () => {
    const marker = join(dir, 'started-once');
    const flaky = testWorker(
      'flaky-start',
      `import { existsSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
if (!existsSync(${JSON.stringify(marker)})) {
  writeFileSync(${JSON.stringify(marker)}, '');
  process.exit(1);
}
parentPort.on('message', ({ id, inputs }) =>
  parentPort.postMessage({ type: 'result', id, outputs: inputs.map(() => ({ stage: 'names', findings: [] })) }),
);
parentPort.postMessage({ type: 'ready' });
`,
    );
    const pool = createGuardRulesPool({ workerUrl: flaky, timeoutMs: 10_000 });
    await expect(pool.start()).rejects.toThrow();
    expect(pool.available).toBe(true);
    expect(await createPiiNerDetector({ pool }).scan(NAMED, INPUT)).toEqual([]);
    await pool.close();
  });

  it('closes cleanly: a scan in flight and every later one fail closed', async () => {
    const closing = createGuardRulesPool({ workerUrl: hangWorker, timeoutMs: 60_000 });
    await closing.start();
    const closingDetector = createPiiNerDetector({ pool: closing });
    const inFlight = closingDetector.scan('hang', INPUT);
    const queued = closingDetector.scan('queued', INPUT);
    // Let the first reach the worker before closing.
    await new Promise((resolve) => setImmediate(resolve));
    await closing.close();
    expect(await inFlight).toEqual(unavailable('hang'));
    expect(await queued).toEqual(unavailable('queued'));
    expect(closing.available).toBe(false);
    expect(await closingDetector.scan(NAMED, INPUT)).toEqual(unavailable(NAMED));
  });
});
