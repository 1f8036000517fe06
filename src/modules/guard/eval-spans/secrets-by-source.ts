import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bulwarkSecretScanner, evaluateSecretsTree, type SecretScanner } from './evaluate-secrets-tree.js';
import type { EvaluationReport } from './metrics.js';
import { parseSecretsTruth } from './parse-truth-csv.js';

/** One part of a corpus: a label and a test on file paths relative to the scanned tree. */
export interface SourceGroup {
  readonly label: string;
  readonly include: (file: string) => boolean;
}

/** Line-level report of one source, plus (lines-form truth) where its false reports and misses are. */
export interface SourceReport {
  readonly label: string;
  readonly report: EvaluationReport;
  /** `file:line` of the first line of every report that covers no secret line. */
  readonly falseReports: readonly string[];
  /** `file:line` of every scored secret line no report covers (prefixed kinds such as `weak:` left out). */
  readonly missed: readonly string[];
}

interface Report {
  readonly file: string;
  readonly first: number;
  readonly last: number;
}

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

function recorder(scanner: SecretScanner, dir: string, reports: Report[]): SecretScanner {
  return async (text, path) => {
    const found = await scanner(text, path);
    const file = path.slice(dir.length).replace(/^\/+/, '');
    for (const f of found)
      reports.push({ file, first: lineAt(text, f.start), last: lineAt(text, Math.max(f.start, f.end - 1)) });
    return found;
  };
}

/**
 * Scores Bulwark's secret scanner on each source of a tree (and on the whole tree, labelled `all`), so that a change
 * that helps one source can be seen not to hurt another; lists each source's false reports and missed lines.
 */
export async function secretsBySource(
  dir: string,
  truthCsv: string,
  groups: readonly SourceGroup[],
  minConfidence = 0.5,
): Promise<SourceReport[]> {
  const truth = parseSecretsTruth(await readFile(truthCsv, 'utf8'));
  const secretLines =
    truth.form === 'lines'
      ? new Map(truth.rows.map((r) => [`${r.file}:${r.line}`, r.type ?? 'secret']))
      : new Map<string, string>();
  const out: SourceReport[] = [];
  for (const group of [{ label: 'all', include: () => true }, ...groups]) {
    const reports: Report[] = [];
    const scanner = recorder(bulwarkSecretScanner(minConfidence), dir, reports);
    const report = await evaluateSecretsTree(dir, truthCsv, minConfidence, scanner, group.include);
    const covered = new Set<string>();
    const falseReports = new Set<string>();
    for (const r of reports) {
      let hit = false;
      for (let l = r.first; l <= r.last; l++) {
        covered.add(`${r.file}:${l}`);
        hit ||= secretLines.has(`${r.file}:${l}`);
      }
      if (!hit) falseReports.add(`${r.file}:${r.first}`);
    }
    const missed = [...secretLines]
      .filter(([key, kind]) => group.include(key.slice(0, key.lastIndexOf(':'))) && !/^[a-z_-]+:/i.test(kind))
      .map(([key]) => key)
      .filter((key) => !covered.has(key));
    out.push({ label: group.label, report, falseReports: [...falseReports], missed });
  }
  return out;
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invoked) {
  // npx tsx src/modules/guard/eval-spans/secrets-by-source.ts <dir> <truth.csv> [label=regex ...] [--list]
  const args = process.argv.slice(2);
  const list = args.includes('--list');
  const [dir, truth, ...specs] = args.filter((a) => a !== '--list');
  if (dir === undefined || truth === undefined)
    throw new Error('usage: secrets-by-source.ts <dir> <truth.csv> [label=regex ...] [--list]');
  const groups = specs.map((spec) => {
    const eq = spec.indexOf('=');
    const re = new RegExp(spec.slice(eq + 1));
    return { label: spec.slice(0, eq), include: (file: string) => re.test(file) };
  });
  const lines = new Map<string, string[]>();
  const textOf = async (key: string): Promise<string> => {
    const file = key.slice(0, key.lastIndexOf(':'));
    const text = lines.get(file) ?? (await readFile(join(dir, file), 'utf8')).split('\n');
    lines.set(file, text);
    return (text[Number(key.slice(file.length + 1)) - 1] ?? '').trim().slice(0, 110);
  };
  for (const s of await secretsBySource(dir, truth, groups)) {
    const o = s.report.overall;
    console.log(
      `${s.label.padEnd(16)} recall ${o.tp}/${o.tp + o.fn} = ${o.recall.toFixed(3)}  false reports ${o.fp} of ` +
        `${o.tp + o.fp}  FDR ${o.falseDiscoveryRate.toFixed(3)}  FPR ${(o.falsePositiveRate ?? 0).toFixed(3)} of ${o.negatives ?? 0}`,
    );
    if (!list || s.label === 'all') continue;
    for (const key of s.falseReports) console.log(`  false  ${key}  ${await textOf(key)}`);
    for (const key of s.missed) console.log(`  missed ${key}  ${await textOf(key)}`);
  }
}
