/** Counts and scores of one class (or of all classes together). */
export interface ClassScore {
  /** Gold items matched by a prediction. */
  tp: number;
  /** Predictions matching no gold item. */
  fp: number;
  /** Gold items no prediction matched. */
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  f2: number;
}

/** Evaluation report shared by the PII and secrets tasks. */
export interface EvaluationReport {
  readonly task: 'pii' | 'secrets';
  readonly classes: Record<string, ClassScore>;
  /**
   * `falseDiscoveryRate` is fp / (fp + matched predictions): the share of reports that were wrong. `falsePositiveRate`
   * is fp / known negatives (secrets: non-blank lines that hold no secret) and is absent where negatives are not
   * countable (PII spans).
   */
  readonly overall: ClassScore & { falseDiscoveryRate: number; falsePositiveRate?: number; negatives?: number };
  /** Gold labels the detectors do not support, with their span counts: listed, not scored (PII). */
  readonly unsupportedGold?: Record<string, number>;
  /** Truth kinds kept out of `overall` (secrets kinds with a `prefix:`, e.g. `weak:`), scored only per class. */
  readonly excludedKinds?: readonly string[];
  readonly latency: { p50Ms: number; p99Ms: number };
  readonly documents: number;
}

function fBeta(p: number, r: number, beta: number): number {
  const b2 = beta * beta;
  return p + r === 0 ? 0 : ((1 + b2) * p * r) / (b2 * p + r);
}

/**
 * Scores from counts. `predictedTp` is the number of predictions that matched (it differs from `tp` when one prediction
 * covers two gold spans); precision uses it, recall uses `tp`.
 */
export function score(tp: number, fp: number, fn: number, predictedTp = tp): ClassScore {
  const precision = predictedTp + fp === 0 ? 1 : predictedTp / (predictedTp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  return { tp, fp, fn, precision, recall, f1: fBeta(precision, recall, 1), f2: fBeta(precision, recall, 2) };
}

/** Nearest-rank percentile of a list of numbers (0 for an empty list). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}
