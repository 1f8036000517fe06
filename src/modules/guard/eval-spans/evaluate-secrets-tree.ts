import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { detectSecrets } from '../secrets/detect-secrets.js';
import { percentile, score, type ClassScore, type EvaluationReport } from './metrics.js';
import { parseSecretsTruth, type SecretsTruth } from './parse-truth-csv.js';

const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** A scanner under evaluation: offsets (UTF-16, end exclusive) of what it reports in one file. */
export type SecretScanner = (
  text: string,
  path: string,
) => readonly { start: number; end: number }[] | Promise<readonly { start: number; end: number }[]>;

/** Bulwark's secret scanner at a confidence threshold, as a {@link SecretScanner}. */
export function bulwarkSecretScanner(minConfidence = 0.5): SecretScanner {
  return (text) => mergeFindings(detectSecrets(text).filter((f) => f.confidence >= minConfidence));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0,
    hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

interface ScannedFile {
  readonly rel: string;
  /** Lines covered by a report. */
  readonly flagged: Set<number>;
  /** First line of each report that covers no truth line (line form only). */
  readonly nonBlank: Set<number>;
  readonly reports: readonly { first: number; last: number }[];
}

async function scanTree(
  dir: string,
  skip: string,
  scanner: SecretScanner,
  latencies: number[],
  include: (file: string) => boolean,
): Promise<ScannedFile[]> {
  const out: ScannedFile[] = [];
  for (const path of await listFiles(dir)) {
    if (resolve(path) === skip) continue;
    const rel = relative(dir, path).split(sep).join('/');
    if (!include(rel)) continue;
    const buf = await readFile(path);
    if (buf.length > MAX_FILE_BYTES || buf.includes(0)) continue;
    const text = buf.toString('utf8');
    const t0 = performance.now();
    const found = await scanner(text, path);
    latencies.push(performance.now() - t0);
    const starts = lineStarts(text);
    const flagged = new Set<number>();
    const reports = found.map((f) => {
      const first = lineOf(starts, f.start);
      const last = lineOf(starts, Math.max(f.start, f.end - 1));
      for (let l = first; l <= last; l++) flagged.add(l);
      return { first, last };
    });
    const nonBlank = new Set<number>();
    text.split('\n').forEach((line, i) => {
      if (line.trim() !== '') nonBlank.add(i + 1);
    });
    out.push({ rel, flagged, nonBlank, reports });
  }
  return out;
}

/**
 * Scores a secret scanner (Bulwark's by default) on a directory tree against a truth CSV in either form
 * ({@link parseSecretsTruth}).
 *
 * Lines form (`file,line[,kind]`): a truth line is a true positive when a report covers it; a report that covers no
 * truth line is one false positive (at its first line, so a multi-line key body counts once). Negatives are the
 * non-blank lines that are not truth lines, so a real false-positive rate is reported beside the false-discovery
 * rate. Kinds written with a prefix (`weak:…`, `allowlisted:…`) are scored per class but kept out of `overall`.
 *
 * Counts form (`file,risk_lines,informative_lines`): per file, true positives are min(flagged lines, risk lines) and
 * every further flagged line is a false positive (strict: flagged informative lines count against the scanner);
 * negatives are non-blank lines minus risk lines. Files missing from the truth have no secret lines.
 * Binary and oversized files, and the truth file itself, are skipped. `include` (a test on the '/'-separated path
 * relative to `dir`) scores one part of the tree, e.g. one source of a corpus: other files and their truth rows are left
 * out.
 */
export async function evaluateSecretsTree(
  dir: string,
  truthCsvPath: string,
  minConfidence = 0.5,
  scanner: SecretScanner = bulwarkSecretScanner(minConfidence),
  include: (file: string) => boolean = () => true,
): Promise<EvaluationReport> {
  const truth = onlyIncluded(parseSecretsTruth(await readFile(truthCsvPath, 'utf8')), include);
  const latencies: number[] = [];
  const files = await scanTree(dir, resolve(truthCsvPath), scanner, latencies, include);
  const result = truth.form === 'lines' ? scoreLines(files, truth) : scoreCounts(files, truth);
  return {
    task: 'secrets',
    ...result,
    latency: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) },
    documents: files.length,
  };
}

function onlyIncluded(truth: SecretsTruth, include: (file: string) => boolean): SecretsTruth {
  return truth.form === 'lines'
    ? { form: 'lines', rows: truth.rows.filter((r) => include(r.file)) }
    : { form: 'counts', rows: truth.rows.filter((r) => include(r.file)) };
}

type Scored = Pick<EvaluationReport, 'classes' | 'overall' | 'excludedKinds'>;

function overallOf(tp: number, fp: number, fn: number, negatives: number): EvaluationReport['overall'] {
  return {
    ...score(tp, fp, fn),
    falseDiscoveryRate: tp + fp === 0 ? 0 : fp / (tp + fp),
    falsePositiveRate: negatives === 0 ? 0 : fp / negatives,
    negatives,
  };
}

function scoreLines(files: readonly ScannedFile[], truth: SecretsTruth & { form: 'lines' }): Scored {
  const truthType = new Map(truth.rows.map((t) => [`${t.file}:${t.line}`, t.type ?? 'secret']));
  const excluded = (type: string): boolean => /^[a-z_-]+:/i.test(type);
  let fp = 0;
  let negatives = 0;
  const flagged = new Set<string>();
  for (const f of files) {
    for (const l of f.flagged) flagged.add(`${f.rel}:${l}`);
    for (const l of f.nonBlank) if (!truthType.has(`${f.rel}:${l}`)) negatives++;
    const falseFirst = new Set<number>();
    for (const r of f.reports) {
      let hit = false;
      for (let l = r.first; l <= r.last && !hit; l++) hit = truthType.has(`${f.rel}:${l}`);
      if (!hit) falseFirst.add(r.first);
    }
    fp += falseFirst.size;
  }
  const perType = new Map<string, { tp: number; fn: number }>();
  for (const [key, type] of truthType) {
    const c = perType.get(type) ?? { tp: 0, fn: 0 };
    if (flagged.has(key)) c.tp++;
    else c.fn++;
    perType.set(type, c);
  }
  const classes: Record<string, ClassScore> = {};
  let tp = 0,
    fn = 0;
  const excludedKinds: string[] = [];
  for (const [type, c] of [...perType].sort(([a], [b]) => a.localeCompare(b))) {
    classes[type] = score(c.tp, 0, c.fn);
    if (excluded(type)) {
      excludedKinds.push(type);
      continue;
    }
    tp += c.tp;
    fn += c.fn;
  }
  return { classes, overall: overallOf(tp, fp, fn, negatives), excludedKinds };
}

function scoreCounts(files: readonly ScannedFile[], truth: SecretsTruth & { form: 'counts' }): Scored {
  const byFile = new Map(truth.rows.map((r) => [r.file, r]));
  let tp = 0,
    fp = 0,
    fn = 0,
    negatives = 0;
  for (const f of files) {
    const risk = byFile.get(f.rel)?.riskLines ?? 0;
    const hits = Math.min(f.flagged.size, risk);
    tp += hits;
    fn += risk - hits;
    fp += f.flagged.size - hits;
    negatives += Math.max(0, f.nonBlank.size - risk);
  }
  const seen = new Set(files.map((f) => f.rel));
  // A truth file that is not in the tree still counts its secret lines as missed.
  for (const r of truth.rows) if (!seen.has(r.file)) fn += r.riskLines;
  return { classes: { secret: score(tp, fp, fn) }, overall: overallOf(tp, fp, fn, negatives) };
}
