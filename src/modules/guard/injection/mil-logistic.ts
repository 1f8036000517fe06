import { sparseDot, type SparseVector } from './lexical-features.js';
import { seededRandom } from '../../../lib/seeded-random.js';

/** A linear model over hashed lexical features; a text scores as its highest-scoring segment (multiple-instance). */
export interface MilModel {
  readonly weights: Float32Array;
  readonly bias: number;
}

/** Training settings of {@link trainMil}. */
export interface MilTraining {
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly buckets: number;
  readonly seed?: number;
}

/** The logit of the best segment of a bag and which segment it was. */
export function milLogit(model: MilModel, bag: readonly SparseVector[]): { logit: number; index: number } {
  let best = -Infinity;
  let index = 0;
  bag.forEach((instance, i) => {
    const z = sparseDot(instance, model.weights) + model.bias;
    if (z > best) {
      best = z;
      index = i;
    }
  });
  return { logit: bag.length === 0 ? model.bias : best, index };
}

/**
 * Trains multiple-instance logistic regression by SGD (AdaGrad steps, lazy L2): each epoch, every bag's currently
 * best segment takes the gradient of the bag's label. An attack bag pushes up its most attack-like segment (the
 * injected sentence of a long document); a benign bag pushes down its most suspicious one, which keeps the max over
 * segments from raising the false-positive rate.
 */
export function trainMil(
  bags: readonly (readonly SparseVector[])[],
  labels: readonly number[],
  sampleWeights: readonly number[],
  options: MilTraining,
): MilModel {
  // Float32 throughout: one array type at every call site keeps the dot product monomorphic (several times faster).
  const weights = new Float32Array(options.buckets);
  const squares = new Float32Array(options.buckets).fill(1e-6);
  let bias = 0;
  let biasSquares = 1e-6;
  const random = seededRandom(options.seed ?? 7);
  const order = bags.map((_, i) => i);
  const meanWeight = sampleWeights.reduce((a, b) => a + b, 0) / Math.max(1, sampleWeights.length);
  const model = { weights, bias: 0 };
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    for (const n of order) {
      const bag = bags[n];
      if (bag === undefined || bag.length === 0) continue;
      model.bias = bias;
      const { logit, index } = milLogit(model, bag);
      const instance = bag[index];
      if (instance === undefined) continue;
      const g = (1 / (1 + Math.exp(-logit)) - (labels[n] ?? 0)) * ((sampleWeights[n] ?? 1) / meanWeight);
      for (let k = 0; k < instance.indices.length; k++) {
        const f = instance.indices[k] ?? 0;
        const grad = g * (instance.values[k] ?? 0) + options.l2 * (weights[f] ?? 0);
        squares[f] = (squares[f] ?? 0) + grad * grad;
        weights[f] = (weights[f] ?? 0) - (options.learningRate * grad) / Math.sqrt(squares[f] ?? 1);
      }
      biasSquares += g * g;
      bias -= (options.learningRate * g) / Math.sqrt(biasSquares);
    }
  }
  return { weights, bias };
}
