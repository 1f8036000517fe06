import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { detectSecrets } from '../secrets/detect-secrets.js';
import { percentile, score, type ClassScore, type EvaluationReport } from './metrics.js';
import { parseTruthCsv } from './parse-truth-csv.js';

const MAX_FILE_BYTES = 2 * 1024 * 1024;

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

/**
 * Scores the secret scanner on a directory tree against a truth CSV (see {@link parseTruthCsv}).
 * A truth line is a true positive when any finding (confidence ≥ minConfidence) covers that line; a finding that covers
 * no truth line is a false positive (counted once per first line, so a multi-line key body is one finding). Classes are the truth types (`secret` when the CSV has none); `fpRate` is false positives
 * over all flagged lines. Binary and oversized files are skipped.
 */
export async function evaluateSecretsTree(
  dir: string,
  truthCsvPath: string,
  minConfidence = 0.5,
): Promise<EvaluationReport> {
  const truth = parseTruthCsv(await readFile(truthCsvPath, 'utf8'));
  const truthType = new Map(truth.map((t) => [`${t.file}:${t.line}`, t.type ?? 'secret']));
  const flagged = new Set<string>();
  const falseLines = new Set<string>();
  const latencies: number[] = [];
  const files = await listFiles(dir);
  for (const path of files) {
    const buf = await readFile(path);
    if (buf.length > MAX_FILE_BYTES || buf.includes(0)) continue;
    const text = buf.toString('utf8');
    const rel = relative(dir, path).split(sep).join('/');
    const t0 = performance.now();
    const findings = detectSecrets(text).filter((f) => f.confidence >= minConfidence);
    latencies.push(performance.now() - t0);
    const starts = lineStarts(text);
    for (const f of mergeFindings(findings)) {
      const first = lineOf(starts, f.start);
      const last = lineOf(starts, Math.max(f.start, f.end - 1));
      let hit = false;
      for (let l = first; l <= last; l++) {
        flagged.add(`${rel}:${l}`);
        hit ||= truthType.has(`${rel}:${l}`);
      }
      if (!hit) falseLines.add(`${rel}:${first}`);
    }
  }
  const perType = new Map<string, { tp: number; fn: number }>();
  for (const [key, type] of truthType) {
    const c = perType.get(type) ?? { tp: 0, fn: 0 };
    if (flagged.has(key)) c.tp++;
    else c.fn++;
    perType.set(type, c);
  }
  const fp = falseLines.size;
  const classes: Record<string, ClassScore> = {};
  let tp = 0,
    fn = 0;
  for (const [type, c] of [...perType].sort(([a], [b]) => a.localeCompare(b))) {
    classes[type] = score(c.tp, 0, c.fn);
    tp += c.tp;
    fn += c.fn;
  }
  return {
    task: 'secrets',
    classes,
    overall: { ...score(tp, fp, fn), fpRate: tp + fp === 0 ? 0 : fp / (tp + fp) },
    latency: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) },
    documents: files.length,
  };
}
