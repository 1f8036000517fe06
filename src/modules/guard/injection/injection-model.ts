import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Hook } from '../detector.js';
import { calibrateProbability } from '../embedding/calibrate-probability.js';
import { charSymbols, trigramBuckets, type CharLanguageModel } from './char-language-model.js';
import { denseFeatureNames, denseFeatures, type TextEvidence } from './injection-features.js';
import { lexicalBuckets } from './lexical-features.js';
import { milLogit, type MilModel } from './mil-logistic.js';

/** A small logistic regression over standardised inputs (the fusion stage). */
export interface Fusion {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly weights: readonly number[];
  readonly bias: number;
}

/** The learned injection model: lexical MIL, embedding head, character LM, two fusions, thresholds, cascade cuts. */
export interface InjectionModel {
  readonly lexical: MilModel;
  readonly embedding: { readonly weights: readonly number[]; readonly bias: number; readonly inputChars: number };
  readonly charModel: CharLanguageModel;
  /** Fusion without the embedding (rules-only deployments and the cascade's first stage). */
  readonly fusionLexical: Fusion;
  /** Fusion with the embedding logit as its last input. */
  readonly fusionFull: Fusion;
  /**
   * Signals that flag on their own above a floor (an OR beside the fusion): each floor is the lowest score at which no
   * benign family of the training data is flagged more than 1% of the time (above 1 = never).
   */
  readonly floors: Readonly<Record<FloorSignal, number>>;
  /** Probability thresholds per hook, chosen so the false-positive rate on benign hard negatives is fixed. */
  readonly thresholds: { readonly lexical: Record<Hook, number>; readonly full: Record<Hook, number> };
  /** First-stage probabilities below `low` or above `high` are decided without the embedding model. */
  readonly cascade: { readonly low: number; readonly high: number };
  readonly trainedOn: string;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Probability from a fusion over raw inputs. */
export function applyFusion(fusion: Fusion, inputs: readonly number[]): number {
  let z = fusion.bias;
  inputs.forEach((v, i) => {
    z += (fusion.weights[i] ?? 0) * ((v - (fusion.mean[i] ?? 0)) / (fusion.std[i] ?? 1));
  });
  return sigmoid(z);
}

/** Inputs of the first-stage fusion and the segment that scored highest lexically. */
export interface StageOne {
  readonly inputs: readonly number[];
  readonly probability: number;
  readonly bestSegment: number;
}

/** First stage: lexical model over segments (max and whole text), rules, perplexity, embedded instructions. */
export function scoreStageOne(model: InjectionModel, text: string, evidence: TextEvidence): StageOne {
  const best = milLogit(model.lexical, evidence.bag);
  const whole = milLogit(model.lexical, evidence.bag.slice(0, 1));
  const inputs = [best.logit, whole.logit, ...denseFeatures(text, evidence, model.charModel)];
  return { inputs, probability: applyFusion(model.fusionLexical, inputs), bestSegment: best.index };
}

/** Logit of the embedding head for one sentence-embedding vector. */
export function embeddingLogit(model: Pick<InjectionModel, 'embedding'>, vector: Float32Array): number {
  let z = model.embedding.bias;
  for (let i = 0; i < model.embedding.weights.length; i++) z += (model.embedding.weights[i] ?? 0) * (vector[i] ?? 0);
  return z;
}

/** Second stage: the fusion with the embedding logit appended. */
export function scoreFull(model: InjectionModel, stage: StageOne, vector: Float32Array): number {
  return applyFusion(model.fusionFull, [...stage.inputs, embeddingLogit(model, vector)]);
}

/** The signals that flag on their own above a floor, in the order the shipped model lists their floors. */
export const floorSignals = [
  'embeddedInstruction',
  'framedHarm',
  'tokenFlood',
  'encodedRequest',
  'adversarialSuffix',
  'jailbreakLicence',
] as const;
export type FloorSignal = (typeof floorSignals)[number];

/** The score (0..1) each signal with its own floor gives a text. */
export function floorSignalScores(evidence: TextEvidence): Record<FloorSignal, number> {
  return {
    embeddedInstruction: evidence.embedded.score,
    framedHarm: evidence.framing.framedHarm,
    tokenFlood: evidence.flood,
    encodedRequest: evidence.encoded,
    adversarialSuffix: evidence.suffix,
    jailbreakLicence: evidence.licence,
  };
}

/** The strongest signal with its own floor, and the confidence (0..1, 0.5 at the floor) it gives a text. */
export function strongestFloorSignal(
  model: Pick<InjectionModel, 'floors'>,
  evidence: TextEvidence,
): { readonly signal: FloorSignal; readonly confidence: number } {
  const scores = floorSignalScores(evidence);
  let best: { signal: FloorSignal; confidence: number } = { signal: 'embeddedInstruction', confidence: 0 };
  for (const signal of floorSignals) {
    const floor = model.floors[signal];
    const confidence = floor > 1 ? 0 : calibrateProbability(scores[signal], floor);
    if (confidence > best.confidence) best = { signal, confidence };
  }
  return best;
}

/** Confidence (0..1, 0.5 at the floor) that the signals with their own floor give a text. */
export function floorConfidence(model: Pick<InjectionModel, 'floors'>, evidence: TextEvidence): number {
  return strongestFloorSignal(model, evidence).confidence;
}

/** Whether the first stage is sure enough to skip the embedding model. */
export function decidedWithoutEmbedding(model: InjectionModel, stage: StageOne): boolean {
  return stage.probability < model.cascade.low || stage.probability > model.cascade.high;
}

const fusionSchema = z.object({
  mean: z.array(z.number()),
  std: z.array(z.number()),
  weights: z.array(z.number()),
  bias: z.number(),
});
const hookThresholds = z.object({ input: z.number().min(0).max(1), output: z.number().min(0).max(1) });
const shippedSchema = z.object({
  format: z.literal('bulwark-injection-model-v4'),
  denseFeatures: z.array(z.string()),
  lexical: z.object({ buckets: z.literal(lexicalBuckets), scale: z.number(), int8: z.string(), bias: z.number() }),
  embedding: z.object({ weights: z.array(z.number()).length(512), bias: z.number(), inputChars: z.number().int() }),
  charModel: z.object({ unigram: z.string(), bigram: z.string(), trigram: z.string(), total: z.number() }),
  floors: z.object(
    Object.fromEntries(floorSignals.map((signal) => [signal, z.number()])) as Record<FloorSignal, z.ZodNumber>,
  ),
  fusionLexical: fusionSchema,
  fusionFull: fusionSchema,
  thresholds: z.object({ lexical: hookThresholds, full: hookThresholds }),
  cascade: z.object({ low: z.number(), high: z.number() }),
  trainedOn: z.string(),
});

/** The shipped JSON form of a model. */
export type ShippedInjectionModel = z.infer<typeof shippedSchema>;

const toBase64 = (array: ArrayBufferView): string =>
  Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');

// Counts are stored exactly (float32): rounding small counts up would make rare character sequences look common
// and blunt the perplexity signal.
function countsToFloat32(counts: Float64Array): string {
  return toBase64(Float32Array.from(counts));
}

function float32ToCounts(base64: string, length: number): Float64Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== length * 4)
    throw new Error(`injection model: table of ${bytes.length} bytes, expected ${length * 4}`);
  const view = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return Float64Array.from(view);
}

/** Serialises a model (lexical weights as int8, character counts as float32). */
export function serializeInjectionModel(model: InjectionModel): ShippedInjectionModel {
  let maxAbs = 0;
  for (const w of model.lexical.weights) maxAbs = Math.max(maxAbs, Math.abs(w));
  const scale = maxAbs / 127 || 1;
  const int8 = Int8Array.from(model.lexical.weights, (w) => Math.round(w / scale));
  const round = (values: readonly number[]): number[] => values.map((v) => Math.round(v * 1e5) / 1e5);
  const fusion = (f: Fusion): z.infer<typeof fusionSchema> => ({
    mean: round(f.mean),
    std: round(f.std),
    weights: round(f.weights),
    bias: f.bias,
  });
  return {
    format: 'bulwark-injection-model-v4',
    denseFeatures: [...denseFeatureNames],
    lexical: { buckets: lexicalBuckets, scale, int8: toBase64(int8), bias: model.lexical.bias },
    embedding: { ...model.embedding, weights: round(model.embedding.weights) },
    charModel: {
      unigram: countsToFloat32(model.charModel.unigram),
      bigram: countsToFloat32(model.charModel.bigram),
      trigram: countsToFloat32(model.charModel.trigram),
      total: model.charModel.total,
    },
    floors: model.floors,
    fusionLexical: fusion(model.fusionLexical),
    fusionFull: fusion(model.fusionFull),
    thresholds: model.thresholds,
    cascade: model.cascade,
    trainedOn: model.trainedOn,
  };
}

/** Parses a shipped model; throws when it does not match this code's features. */
export function parseInjectionModel(json: unknown): InjectionModel {
  const shipped = shippedSchema.parse(json);
  if (shipped.denseFeatures.join(',') !== denseFeatureNames.join(','))
    throw new Error('injection model: dense features differ from this code; retrain with `npm run guard:train`');
  const bytes = Buffer.from(shipped.lexical.int8, 'base64');
  if (bytes.length !== lexicalBuckets) throw new Error('injection model: lexical table has the wrong size');
  const int8 = new Int8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return {
    lexical: { weights: Float32Array.from(int8, (v) => v * shipped.lexical.scale), bias: shipped.lexical.bias },
    embedding: shipped.embedding,
    charModel: {
      unigram: float32ToCounts(shipped.charModel.unigram, charSymbols),
      bigram: float32ToCounts(shipped.charModel.bigram, charSymbols * charSymbols),
      trigram: float32ToCounts(shipped.charModel.trigram, trigramBuckets),
      total: shipped.charModel.total,
    },
    floors: shipped.floors,
    fusionLexical: shipped.fusionLexical,
    fusionFull: shipped.fusionFull,
    thresholds: shipped.thresholds,
    cascade: shipped.cascade,
    trainedOn: shipped.trainedOn,
  };
}

/** Where the shipped model lives (rebuilt by `npm run guard:train`). */
export const shippedInjectionModelUrl = new URL('../data/injection-model.json', import.meta.url);

let shipped: InjectionModel | undefined;

/** Loads the shipped injection model from the repository (no network), once per process. */
export function loadShippedInjectionModel(): InjectionModel {
  shipped ??= parseInjectionModel(JSON.parse(readFileSync(shippedInjectionModelUrl, 'utf8')));
  return shipped;
}
