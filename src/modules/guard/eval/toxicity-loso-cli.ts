// Offline: leave-one-source-out evaluation of the toxicity detector over every toxicity development source.
// Run: npx tsx src/modules/guard/eval/toxicity-loso-cli.ts [dataDir] [cacheFile] [--json]
import type { BinaryScores } from './classification-metrics.js';
import { readAllToxicityRows } from './toxicity-dev-data.js';
import { prepareWithEmbeddings } from './toxicity-embeddings.js';
import { leaveOneSourceOut } from './toxicity-loso.js';

const f = (v: number): string => v.toFixed(3);
const line = (name: string, s: BinaryScores): string =>
  `${name.padEnd(44)} ${String(s.n).padStart(5)}  ${f(s.balancedAccuracy)}  ${f(s.recall)}  ${f(s.fpRate)}`;

{
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const dataDir = args[0] ?? '../shared/data/toxicity';
  const cacheFile = args[1] ?? '/tmp/guard-emb-tox-all.json';
  const prepared = await prepareWithEmbeddings(readAllToxicityRows(dataDir), cacheFile);
  const report = leaveOneSourceOut(prepared);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`${'held-out source / category'.padEnd(44)}     n  bal.acc recall fpr`);
    for (const fold of report.folds) {
      console.log(
        line(
          `${fold.source} (threshold ${fold.point.semanticThreshold.toFixed(3)}, boost ${fold.point.ruleBoost})`,
          fold.scores,
        ),
      );
      console.log(line(`  rules only`, fold.rulesOnly));
      if (process.argv.includes('--categories'))
        for (const [category, s] of Object.entries(fold.perCategory).sort()) console.log(line(`  ${category}`, s));
    }
    console.log(
      `mean balanced accuracy ${f(report.meanBalancedAccuracy)}; worst ${report.worst.source} ${f(report.worst.balancedAccuracy)}`,
    );
  }
}
