/** Scores of a binary classifier on one slice of a data set. */
export interface BinaryScores {
  readonly n: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly f2: number;
  readonly fpRate: number;
  readonly balancedAccuracy: number;
}

/** One scored example: its gold label, the prediction and how long the prediction took. */
export interface Prediction {
  readonly gold: boolean;
  readonly predicted: boolean;
  readonly latencyMs: number;
}

const fBeta = (p: number, r: number, beta: number): number =>
  p + r === 0 ? 0 : ((1 + beta * beta) * p * r) / (beta * beta * p + r);

/** Precision, recall, F1, F2, false-positive rate and balanced accuracy of binary predictions. */
export function binaryScores(predictions: readonly Prediction[]): BinaryScores {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const p of predictions) {
    if (p.gold && p.predicted) tp++;
    else if (p.gold) fn++;
    else if (p.predicted) fp++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const fpRate = fp + tn === 0 ? 0 : fp / (fp + tn);
  const specificity = fp + tn === 0 ? 1 : tn / (fp + tn);
  return {
    n: predictions.length,
    tp,
    fp,
    tn,
    fn,
    precision,
    recall,
    f1: fBeta(precision, recall, 1),
    f2: fBeta(precision, recall, 2),
    fpRate,
    balancedAccuracy: (recall + specificity) / 2,
  };
}

/** Nearest-rank percentile (0 for no values). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}
