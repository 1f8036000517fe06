import { scoreLinear, trainLinear, type LinearModel } from '../embedding/linear-classifier.js';
import { benignFrame, scanToxicity, type ToxicityHit } from '../moderation/scan-toxicity.js';
import { decideToxicity, type ToxicityDecisionSettings } from '../moderation/toxicity-decision.js';
import { binaryScores, type BinaryScores } from './classification-metrics.js';
import type { ToxicityRow, ToxicitySource } from './toxicity-dev-data.js';

/** A development row with what the detector computes from it once: the embedding, the lexicon hits and the frame. */
export interface PreparedToxicityRow {
  readonly row: ToxicityRow;
  readonly vector: Float32Array;
  readonly hits: readonly ToxicityHit[];
  readonly framed: boolean;
}

/** Fixed training settings of the toxicity classifier (not tuned per fold). */
export const toxicityTraining = { epochs: 400, learningRate: 4, l2: 1e-3 } as const;

/** Fixed decision settings; only the classifier threshold is tuned (on the training sources of each fold). */
export const toxicityDecisionDefaults = { ruleFloor: 0.9, frameDamping: 0.5, minConfidence: 0.5 } as const;

/** A tuned operating point: the classifier threshold and the lift of weak lexicon hits. */
export interface ToxicityOperatingPoint {
  readonly semanticThreshold: number;
  readonly ruleBoost: number;
}

const thresholdGrid = Array.from({ length: 33 }, (_, i) => 0.1 + i * 0.025);
const boostGrid = [0, 0.25, 0.5, 0.75, 1];

/** Runs the lexicon stage and the frame reading over rows whose embeddings are known. */
export function prepareToxicityRows(
  rows: readonly ToxicityRow[],
  vectors: readonly Float32Array[],
): PreparedToxicityRow[] {
  return rows.map((row, i) => ({
    row,
    vector: vectors[i] ?? new Float32Array(512),
    hits: scanToxicity(row.text),
    framed: benignFrame(row.text) !== undefined,
  }));
}

/**
 * Fits the classifier on `rows`: every source weighs the same in total and, inside a source, both classes weigh the
 * same, so the largest or most skewed source does not define toxicity for the others.
 */
export function fitToxicityClassifier(rows: readonly PreparedToxicityRow[]): { weights: number[]; bias: number } {
  const counts = new Map<string, number>();
  for (const { row } of rows)
    counts.set(`${row.source}/${row.label}`, (counts.get(`${row.source}/${row.label}`) ?? 0) + 1);
  const sources = new Set(rows.map(({ row }) => row.source)).size;
  const sampleWeights = rows.map(
    ({ row }) => rows.length / (sources * 2 * (counts.get(`${row.source}/${row.label}`) ?? 1)),
  );
  return trainLinear(
    rows.map((r) => r.vector),
    rows.map(({ row }) => (row.label === 'toxic' ? 1 : 0)),
    sampleWeights,
    toxicityTraining,
  );
}

/** Whether the detector (lexicon + classifier at `settings`) flags the row. */
export function predictToxic(
  prepared: PreparedToxicityRow,
  probability: number | undefined,
  settings: ToxicityDecisionSettings,
): boolean {
  return decideToxicity(prepared.row.text, prepared.hits, prepared.framed, probability, settings).some(
    (signal) => signal.confidence >= toxicityDecisionDefaults.minConfidence,
  );
}

/** Scores of the detector on rows with the given classifier probabilities. */
export function scoreToxicity(
  rows: readonly PreparedToxicityRow[],
  probabilities: readonly (number | undefined)[],
  settings: ToxicityDecisionSettings,
): BinaryScores {
  return binaryScores(
    rows.map((r, i) => ({
      gold: r.row.label === 'toxic',
      predicted: predictToxic(r, probabilities[i], settings),
      latencyMs: 0,
    })),
  );
}

function bySource(rows: readonly PreparedToxicityRow[]): Map<ToxicitySource, number[]> {
  const out = new Map<ToxicitySource, number[]>();
  rows.forEach(({ row }, i) => {
    const list = out.get(row.source) ?? [];
    list.push(i);
    out.set(row.source, list);
  });
  return out;
}

/**
 * Picks the classifier threshold and the lift of weak lexicon hits that maximise the mean balanced accuracy over the
 * sources of `rows` (each source counts once, whatever its size), with the lexicon stage in the loop.
 */
export function tuneToxicityOperatingPoint(
  rows: readonly PreparedToxicityRow[],
  probabilities: readonly number[],
): ToxicityOperatingPoint {
  const groups = [...bySource(rows).values()];
  let best = { point: { semanticThreshold: 0.5, ruleBoost: 0 }, score: -1 };
  for (const ruleBoost of boostGrid)
    for (const semanticThreshold of thresholdGrid) {
      const settings = { ...toxicityDecisionDefaults, semanticThreshold, ruleBoost };
      const mean =
        groups.reduce(
          (sum, idx) =>
            sum +
            scoreToxicity(
              idx.map((i) => rows[i] as PreparedToxicityRow),
              idx.map((i) => probabilities[i] ?? 0),
              settings,
            ).balancedAccuracy,
          0,
        ) / groups.length;
      if (mean > best.score + 1e-9) best = { point: { semanticThreshold, ruleBoost }, score: mean };
    }
  return best.point;
}

/** The figures of one held-out source. */
export interface LosoFold {
  readonly source: ToxicitySource;
  readonly point: ToxicityOperatingPoint;
  readonly scores: BinaryScores;
  readonly rulesOnly: BinaryScores;
  readonly perCategory: Record<string, BinaryScores>;
}

/** Leave-one-source-out result: one fold per source, their mean and the worst source. */
export interface LosoReport {
  readonly folds: LosoFold[];
  readonly meanBalancedAccuracy: number;
  readonly worst: { readonly source: ToxicitySource; readonly balancedAccuracy: number };
}

/**
 * For every source: fit the classifier and tune its threshold on all other sources, then score the held-out source
 * with the whole detector (lexicon + classifier). Nothing of the held-out source is seen before it is scored.
 */
export function leaveOneSourceOut(rows: readonly PreparedToxicityRow[]): LosoReport {
  const folds: LosoFold[] = [];
  for (const [source, heldIdx] of bySource(rows)) {
    const held = new Set(heldIdx);
    const train = rows.filter((_, i) => !held.has(i));
    const test = heldIdx.map((i) => rows[i] as PreparedToxicityRow);
    const fitted = fitToxicityClassifier(train);
    const model = { ...fitted, weights: fitted.weights } as Pick<LinearModel, 'weights' | 'bias'>;
    const probability = (r: PreparedToxicityRow): number => scoreLinear(model as LinearModel, r.vector);
    const point = tuneToxicityOperatingPoint(train, train.map(probability));
    const settings = { ...toxicityDecisionDefaults, ...point };
    const probabilities = test.map(probability);
    const perCategory: Record<string, BinaryScores> = {};
    for (const category of new Set(test.map((r) => r.row.category))) {
      const idx = test.flatMap((r, i) => (r.row.category === category ? [i] : []));
      perCategory[category] = scoreToxicity(
        idx.map((i) => test[i] as PreparedToxicityRow),
        idx.map((i) => probabilities[i] ?? 0),
        settings,
      );
    }
    folds.push({
      source,
      point,
      scores: scoreToxicity(test, probabilities, settings),
      // Rules alone (no classifier): every lexicon hit reports at its own weight.
      rulesOnly: scoreToxicity(
        test,
        test.map(() => undefined),
        settings,
      ),
      perCategory,
    });
  }
  const worstFold = folds.reduce((a, b) => (b.scores.balancedAccuracy < a.scores.balancedAccuracy ? b : a));
  return {
    folds,
    meanBalancedAccuracy: folds.reduce((sum, f) => sum + f.scores.balancedAccuracy, 0) / folds.length,
    worst: { source: worstFold.source, balancedAccuracy: worstFold.scores.balancedAccuracy },
  };
}
