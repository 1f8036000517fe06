import { readFileSync } from 'node:fs';
import { evaluatePiiSpans, type PiiRow } from '../eval-spans/evaluate-pii-spans.js';
import { evaluateSecretsTree } from '../eval-spans/evaluate-secrets-tree.js';
import type { EvaluationReport } from '../eval-spans/metrics.js';

/** Span-level report of the PII or secrets evaluation (owned by eval-spans). */
export type SpanEvaluationReport = EvaluationReport;

/** Reads span-labelled JSONL (`{"text","spans":[{"start","end","type"}]}`) and scores the PII detectors on it. */
export function evaluatePiiFile(file: string): SpanEvaluationReport {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as PiiRow);
  return evaluatePiiSpans(rows);
}

/** Scores the secrets detectors over a directory tree against a truth CSV. */
export function evaluateSecretsDir(dir: string, truthCsv: string): Promise<SpanEvaluationReport> {
  return evaluateSecretsTree(dir, truthCsv);
}
