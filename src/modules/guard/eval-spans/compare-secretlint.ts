import { pathToFileURL } from 'node:url';
import { evaluateSecretsTree, bulwarkSecretScanner, type SecretScanner } from './evaluate-secrets-tree.js';
import type { EvaluationReport } from './metrics.js';
import { secretlintScanner } from './secretlint-scanner.js';

/** Line-level reports of Bulwark's scanner and of secretlint (recommended preset) on the same tree and truth. */
export interface SecretlintComparison {
  readonly bulwark: EvaluationReport;
  readonly secretlint: EvaluationReport;
  /** `file:line` secret lines secretlint reports and Bulwark does not. */
  readonly onlySecretlint: readonly string[];
}

function recorder(scanner: SecretScanner, lines: Set<string>, dir: string): SecretScanner {
  return async (text, path) => {
    const found = await scanner(text, path);
    const rel = path.slice(dir.length).replace(/^\/+/, '');
    for (const f of found) lines.add(`${rel}:${text.slice(0, f.start).split('\n').length}`);
    return found;
  };
}

/** Scores both scanners and lists what only secretlint finds (the input to ADR 0003's choice). */
export async function compareWithSecretlint(dir: string, truthCsv: string): Promise<SecretlintComparison> {
  const ours = new Set<string>();
  const theirs = new Set<string>();
  const bulwark = await evaluateSecretsTree(dir, truthCsv, 0.5, recorder(bulwarkSecretScanner(), ours, dir));
  const secretlint = await evaluateSecretsTree(dir, truthCsv, 0.5, recorder(secretlintScanner, theirs, dir));
  return { bulwark, secretlint, onlySecretlint: [...theirs].filter((l) => !ours.has(l)).sort() };
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invoked) {
  // npx tsx src/modules/guard/eval-spans/compare-secretlint.ts <dir> <truth.csv>
  const [dir, truth] = process.argv.slice(2);
  if (dir === undefined || truth === undefined) throw new Error('usage: compare-secretlint.ts <dir> <truth.csv>');
  const r = await compareWithSecretlint(dir, truth);
  for (const [name, rep] of [
    ['bulwark', r.bulwark],
    ['secretlint', r.secretlint],
  ] as const) {
    const o = rep.overall;
    console.log(
      `${name.padEnd(10)} recall ${o.recall.toFixed(3)} (${o.tp}/${o.tp + o.fn})  fp ${o.fp}  ` +
        `FDR ${o.falseDiscoveryRate.toFixed(3)}  FPR ${(o.falsePositiveRate ?? 0).toFixed(3)} of ${o.negatives ?? 0}`,
    );
  }
  console.log(`lines only secretlint reports (${r.onlySecretlint.length}):`);
  for (const l of r.onlySecretlint) console.log(`  ${l}`);
}
