import { binaryScores, percentile, type BinaryScores, type Prediction } from './classification-metrics.js';
import type { LabelledRow } from './labelled-rows.js';

/** Result of a classification evaluation: overall scores, scores per category, latency. */
export interface ClassificationReport {
  readonly task: string;
  readonly positiveLabel: string;
  readonly overall: BinaryScores;
  /** Per category (e.g. jailbreak_template, hard_negative); recall for attack categories, FPR for benign ones. */
  readonly perCategory: Record<string, BinaryScores>;
  /** Per predicted finding class: how many gold positives and negatives it flagged. */
  readonly perClass: Record<string, { positives: number; negatives: number }>;
  readonly latency: { readonly p50Ms: number; readonly p99Ms: number };
}

/** What a classifier returns for one text: whether it flags it, and the finding classes behind the decision. */
export interface Verdict {
  readonly flagged: boolean;
  readonly classes: readonly string[];
}

/** Runs `classify` over rows one at a time (so latency is per text) and scores it against `positiveLabel`. */
export async function runClassificationEval(
  task: string,
  rows: readonly LabelledRow[],
  positiveLabel: string,
  classify: (text: string) => Promise<Verdict>,
): Promise<ClassificationReport> {
  const predictions: (Prediction & { category: string })[] = [];
  const perClass: Record<string, { positives: number; negatives: number }> = {};
  for (const row of rows) {
    const started = performance.now();
    const verdict = await classify(row.text);
    const latencyMs = performance.now() - started;
    const gold = row.label === positiveLabel;
    predictions.push({ gold, predicted: verdict.flagged, latencyMs, category: row.category ?? row.label });
    for (const cls of new Set(verdict.classes)) {
      const entry = (perClass[cls] ??= { positives: 0, negatives: 0 });
      if (gold) entry.positives++;
      else entry.negatives++;
    }
  }
  const perCategory: Record<string, BinaryScores> = {};
  for (const category of new Set(predictions.map((p) => p.category))) {
    perCategory[category] = binaryScores(predictions.filter((p) => p.category === category));
  }
  const latencies = predictions.map((p) => p.latencyMs);
  return {
    task,
    positiveLabel,
    overall: binaryScores(predictions),
    perCategory,
    perClass,
    latency: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) },
  };
}
