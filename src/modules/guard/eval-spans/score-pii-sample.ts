import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formatSpanReport } from '../eval/format-report.js';
import { evaluatePiiSpans } from './evaluate-pii-spans.js';
import type { EvaluationReport } from './metrics.js';
import { parseMarkedSample } from './parse-marked-sample.js';

/** Scores the PII detectors (rules + names stage) on a hand-marked sample file (see parseMarkedSample). */
export function scorePiiSample(file: string): EvaluationReport {
  return evaluatePiiSpans(parseMarkedSample(readFileSync(file, 'utf8')));
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invoked) {
  // npx tsx src/modules/guard/eval-spans/score-pii-sample.ts src/modules/guard/eval-spans/samples/pii-holdout.txt
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: score-pii-sample.ts <sample.txt>');
  console.log(formatSpanReport(scorePiiSample(file)));
}
