import { trainLinear } from '../embedding/linear-classifier.js';
import { trainCharLanguageModel, type CharLanguageModel } from './char-language-model.js';
import { denseFeatureNames, denseFeatures, type TextEvidence } from './injection-features.js';
import {
  applyFusion,
  decidedWithoutEmbedding,
  embeddingLogit,
  floorConfidence,
  floorSignals,
  floorSignalScores,
  scoreStageOne,
  type FloorSignal,
  type Fusion,
  type InjectionModel,
} from './injection-model.js';
import { dataStartOf } from './detect-embedded-instructions.js';
import { lexicalBuckets, type SparseVector } from './lexical-features.js';
import { milLogit, trainMil, type MilModel } from './mil-logistic.js';
import { normalizeText } from './normalize-text.js';
import type { Segment } from './segment-text.js';

/** One training or evaluation example with everything precomputed that does not depend on learned parts. */
export interface PreparedRow {
  readonly text: string;
  readonly attack: boolean;
  readonly category: string;
  readonly family: string;
  readonly evidence: TextEvidence;
  /** Sentence embedding of the model's input window. */
  readonly embedding: Float32Array;
}

/** Settings of {@link fitInjectionModel}. */
export interface FitOptions {
  /** False-positive rate on benign hard negatives the thresholds are set to (out-of-fold). Default 0.025. */
  readonly targetFpr?: number;
  /** Grouped inner folds used for the fusion, thresholds and cascade. Default 3. */
  readonly innerFolds?: number;
  /** Embedding input window in characters (recorded in the model). */
  readonly embeddingChars: number;
  /** Share of the full model's decisions the cascade may hand to the first stage, per side. Default 0.01. */
  readonly cascadeSlack?: number;
  /** Fit the embedding head (false when no embeddings were computed: the full fusion then equals the lexical one). */
  readonly withEmbedding?: boolean;
  readonly log?: (line: string) => void;
}

/**
 * Family-balanced class weights: within each label, every family weighs in proportion to the square root of its
 * size, so a large family of one template cannot define what an attack is; the two labels weigh the same in total.
 */
export function familyWeights(rows: readonly PreparedRow[]): number[] {
  const size = new Map<string, number>();
  for (const row of rows) size.set(`${row.attack}/${row.family}`, (size.get(`${row.attack}/${row.family}`) ?? 0) + 1);
  const raw = rows.map((row) => 1 / Math.sqrt(size.get(`${row.attack}/${row.family}`) ?? 1));
  const total = (attack: boolean): number => raw.reduce((sum, w, i) => (rows[i]?.attack === attack ? sum + w : sum), 0);
  const pos = total(true);
  const neg = total(false);
  return raw.map((w, i) => (rows[i]?.attack === true ? (w * rows.length) / (2 * pos) : (w * rows.length) / (2 * neg)));
}

// Shortest sentence of the data that may carry an indirect injection's label (shorter ones are tags like `<result>`).
const minDataSentenceChars = 24;

/**
 * The segments an example teaches the lexical model with. An indirect injection's evidence sits inside the data the
 * user pasted or a tool returned, not in the request or wrapper around it ("Tool output from web_search(…)", "Can you
 * summarize this email?"), which clean documents share; so for those attacks the bag keeps only the sentences and
 * paragraphs inside the data (all segments when none qualifies). Scoring always reads every segment.
 */
export function trainingBag(row: PreparedRow): readonly SparseVector[] {
  if (!row.attack || row.category !== 'indirect_injection') return row.evidence.bag;
  const { segments, bag } = row.evidence;
  const embedded = segments.filter((s) => s.kind === 'embedded');
  // A closed block (tags, a fence) bounds the data better than an open one ("here is the e-mail:" runs to the end),
  // and a question after it is the user's, not data.
  const closed = embedded.filter((s) => s.end < row.text.length);
  const blocks = closed.length > 0 ? closed : embedded;
  const dataStart = dataStartOf(row.text, segments);
  // Inside a pasted block when there is one, else after the first line of a long text.
  const insideData = (segment: Segment): boolean =>
    blocks.length > 0
      ? blocks.some((b) => segment.start >= b.start && segment.end <= b.end)
      : segment.start >= dataStart;
  const inData = bag.filter((_, i) => {
    const segment = segments[i];
    return (
      segment !== undefined &&
      (segment.kind === 'sentence' || segment.kind === 'paragraph') &&
      insideData(segment) &&
      segment.text.trim().length >= minDataSentenceChars
    );
  });
  return inData.length > 0 ? inData : bag;
}

function fitLexical(rows: readonly PreparedRow[], weights: readonly number[]): MilModel {
  return trainMil(
    rows.map(trainingBag),
    rows.map((r) => (r.attack ? 1 : 0)),
    weights,
    { epochs: 4, learningRate: 0.2, l2: 1e-6, buckets: lexicalBuckets },
  );
}

// The sentence embedding of a pasted document says what the document is about, not whether an instruction hides in
// it; indirect-injection rows would teach the head that "a long document" is an attack. The segment-level signals
// (lexical MIL, embedded instructions) carry that kind, so the head is trained without it.
const embeddingHeadRow = (row: PreparedRow): boolean => row.category !== 'indirect_injection';

function fitEmbedding(rows: readonly PreparedRow[], enabled: boolean): { weights: number[]; bias: number } {
  if (!enabled) return { weights: new Array<number>(512).fill(0), bias: 0 };
  const kept = rows.filter(embeddingHeadRow);
  return trainLinear(
    kept.map((r) => r.embedding),
    kept.map((r) => (r.attack ? 1 : 0)),
    familyWeights(kept),
    { epochs: 200, learningRate: 4, l2: 1e-3 },
  );
}

function fitCharModel(rows: readonly PreparedRow[]): CharLanguageModel {
  // SECURITY (leakage): only benign rows of the training families; a held-out family never shapes "normal text".
  return trainCharLanguageModel(rows.filter((r) => !r.attack).map((r) => normalizeText(r.text).text));
}

// Fusion inputs whose weight may not go negative: each says "more attack-like" by construction (the best segment's
// lexical logit, rule strengths, perplexity, the signals with their own floor, the embedding logit). On the training
// families a collinear signal can take a negative weight that fits them and fails on a family where it stands alone.
const evidenceInput = (name: string): boolean =>
  name === 'mil:best_segment' || /^(?:rule|ppl|indirect|framing|flood|encoded|suffix|embedding):/.test(name);

function fitFusion(
  inputs: readonly (readonly number[])[],
  names: readonly string[],
  labels: readonly number[],
  weights: readonly number[],
): Fusion {
  const dims = inputs[0]?.length ?? 0;
  const mean = Array.from({ length: dims }, (_, d) => inputs.reduce((s, x) => s + (x[d] ?? 0), 0) / inputs.length);
  const std = mean.map(
    (m, d) => Math.sqrt(inputs.reduce((s, x) => s + ((x[d] ?? 0) - m) ** 2, 0) / inputs.length) || 1,
  );
  const standardised = inputs.map((x) => Float32Array.from(x, (v, d) => (v - (mean[d] ?? 0)) / (std[d] ?? 1)));
  const { weights: w, bias } = trainLinear(standardised, labels, weights, {
    epochs: 600,
    learningRate: 1,
    l2: 1e-3,
    nonNegative: names.map(evidenceInput),
  });
  return { mean, std, weights: w, bias };
}

/** Groups families into `k` folds of similar size (largest first, each to the currently smallest fold). */
export function groupFolds(families: readonly string[], k: number): Map<string, number> {
  const size = new Map<string, number>();
  for (const f of families) size.set(f, (size.get(f) ?? 0) + 1);
  const totals = new Array<number>(k).fill(0);
  const fold = new Map<string, number>();
  for (const [family, n] of [...size].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    const target = totals.indexOf(Math.min(...totals));
    fold.set(family, target);
    totals[target] = (totals[target] ?? 0) + n;
  }
  return fold;
}

/** Most benign rows of any one training family a signal's own floor may flag. */
const floorFamilyFpr = 0.01;

/**
 * The lowest floor (0.30, 0.35, … 0.95) at which no benign family of `rows` has more than {@link floorFamilyFpr} of
 * its rows at or above it; 1.01 (never fires) when none qualifies. The signals are rules, not learned, so the
 * training rows themselves give an unbiased estimate.
 */
function floorFor(rows: readonly PreparedRow[], score: (row: PreparedRow) => number): number {
  const benign = new Map<string, number[]>();
  for (const row of rows) {
    if (row.attack) continue;
    const scores = benign.get(row.family) ?? [];
    scores.push(score(row));
    benign.set(row.family, scores);
  }
  for (let step = 0; step <= 13; step++) {
    const floor = 0.3 + step * 0.05;
    const ok = [...benign.values()].every((s) => s.filter((v) => v >= floor).length <= floorFamilyFpr * s.length);
    if (ok) return floor;
  }
  return 1.01;
}

/** The floor of every signal that flags on its own, each fitted by {@link floorFor}. */
function floorsOf(rows: readonly PreparedRow[]): Record<FloorSignal, number> {
  return Object.fromEntries(
    floorSignals.map((signal) => [signal, floorFor(rows, (row) => floorSignalScores(row.evidence)[signal])]),
  ) as Record<FloorSignal, number>;
}

/** Threshold above which at most `rate` of the scores lie. */
function thresholdAt(scores: readonly number[], rate: number): number {
  if (scores.length === 0) return 0.5;
  const sorted = [...scores].sort((a, b) => b - a);
  const allowed = Math.floor(rate * sorted.length);
  const at = sorted[allowed] ?? 0;
  return Math.min(0.999, at + 1e-6);
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return q < 0.5 ? 0 : 1;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))] ?? 0;
}

/**
 * Fits the whole injection model on `rows` and tunes it without looking at anything else: grouped inner folds (by
 * source family) give out-of-fold scores, on which the fusions are trained, the thresholds set (FPR on benign hard
 * negatives fixed at `targetFpr`) and the cascade cuts chosen; then every part is refit on all rows.
 */
export function fitInjectionModel(rows: readonly PreparedRow[], options: FitOptions): InjectionModel {
  const targetFpr = options.targetFpr ?? 0.025;
  const k = options.innerFolds ?? 3;
  const slack = options.cascadeSlack ?? 0.01;
  const withEmbedding = options.withEmbedding ?? true;
  const folds = groupFolds(
    rows.map((r) => r.family),
    k,
  );
  // Pass 1: per inner fold, fit every part on the other folds.
  const partials: { lexical: MilModel; charModel: CharLanguageModel; embedding: InjectionModel['embedding'] }[] = [];
  for (let fold = 0; fold < k; fold++) {
    const train = rows.filter((r) => folds.get(r.family) !== fold);
    const weights = familyWeights(train);
    partials.push({
      lexical: fitLexical(train, weights),
      charModel: fitCharModel(train),
      embedding: { ...fitEmbedding(train, withEmbedding), inputChars: options.embeddingChars },
    });
    options.log?.(`  inner fold ${fold + 1}/${k}: trained on ${train.length}`);
  }
  const partialOf = (row: PreparedRow): (typeof partials)[number] | undefined => partials[folds.get(row.family) ?? -1];
  // Pass 2: out-of-fold first-stage inputs and embedding logits of every row.
  const stageInputs: number[][] = new Array<number[]>(rows.length);
  const embLogits: number[] = new Array<number>(rows.length).fill(0);
  rows.forEach((row, i) => {
    const partial = partialOf(row);
    if (partial === undefined) return;
    stageInputs[i] = [
      milLogit(partial.lexical, row.evidence.bag).logit,
      milLogit(partial.lexical, row.evidence.bag.slice(0, 1)).logit,
      ...denseFeatures(row.text, row.evidence, partial.charModel),
    ];
    embLogits[i] = embeddingLogit(partial, row.embedding);
  });
  const labels = rows.map((r) => (r.attack ? 1 : 0));
  const weights = familyWeights(rows);
  const stageNames = ['mil:best_segment', 'mil:whole_text', ...denseFeatureNames];
  const fusionLexical = fitFusion(stageInputs, stageNames, labels, weights);
  const fullInputs = stageInputs.map((x, i) => [...x, embLogits[i] ?? 0]);
  const fusionFull = fitFusion(fullInputs, [...stageNames, 'embedding:logit'], labels, weights);
  const hardNegatives = rows.flatMap((r, i) => (!r.attack && r.category === 'hard_negative' ? [i] : []));
  const calibration = hardNegatives.length > 0 ? hardNegatives : rows.flatMap((r, i) => (r.attack ? [] : [i]));
  const p1 = stageInputs.map((x) => applyFusion(fusionLexical, x));
  const pFull = fullInputs.map((x) => applyFusion(fusionFull, x));
  const lexicalThreshold = thresholdAt(
    calibration.map((i) => p1[i] ?? 0),
    targetFpr,
  );
  const fullThreshold = thresholdAt(
    calibration.map((i) => pFull[i] ?? 0),
    targetFpr,
  );
  const flagged = pFull.map((p) => p >= fullThreshold);
  const low = quantile(
    p1.filter((_, i) => flagged[i]),
    slack,
  );
  const high = Math.max(
    quantile(
      p1.filter((_, i) => !flagged[i]),
      1 - slack,
    ),
    lexicalThreshold,
  );
  const finalWeights = familyWeights(rows);
  const embedding = fitEmbedding(rows, withEmbedding);
  const model: InjectionModel = {
    lexical: fitLexical(rows, finalWeights),
    embedding: { ...embedding, inputChars: options.embeddingChars },
    charModel: fitCharModel(rows),
    floors: floorsOf(rows),
    fusionLexical,
    fusionFull,
    // One threshold per hook. The development data has no output-side examples, so the output hook uses the same
    // calibration set; an operator can raise it per org through the class policy.
    thresholds: {
      lexical: { input: lexicalThreshold, output: lexicalThreshold },
      full: { input: fullThreshold, output: fullThreshold },
    },
    cascade: { low: Math.min(low, lexicalThreshold), high },
    trainedOn: `${rows.length} rows from ${new Set(rows.map((r) => r.family)).size} source families`,
  };
  return model;
}

/** Decision of a fitted model on a prepared row, as deployed (cascade first, embedding only when uncertain). */
export function predictPrepared(
  model: InjectionModel,
  row: PreparedRow,
  useEmbedding = true,
): { flagged: boolean; usedEmbedding: boolean } {
  const floorHit = floorConfidence(model, row.evidence) >= 0.5;
  const stage = scoreStageOne(model, row.text, row.evidence);
  if (!useEmbedding)
    return { flagged: floorHit || stage.probability >= model.thresholds.lexical.input, usedEmbedding: false };
  if (decidedWithoutEmbedding(model, stage))
    return { flagged: floorHit || stage.probability > model.cascade.high, usedEmbedding: false };
  const p = applyFusion(model.fusionFull, [...stage.inputs, embeddingLogit(model, row.embedding)]);
  return { flagged: floorHit || p >= model.thresholds.full.input, usedEmbedding: true };
}
