import { z } from 'zod';

/** Shipped weights of a logistic-regression classifier over sentence embeddings. */
export const linearModelSchema = z.object({
  model: z.literal('universal-sentence-encoder-lite-512'),
  inputChars: z.number().int().positive(),
  bias: z.number(),
  weights: z.array(z.number()).length(512),
  trainedOn: z.string(),
});

/** A parsed linear model. */
export type LinearModel = z.infer<typeof linearModelSchema>;

/** Probability (0..1) that an embedding belongs to the positive class under a logistic-regression model. */
export function scoreLinear(model: LinearModel, vector: Float32Array): number {
  let z = model.bias;
  for (let i = 0; i < model.weights.length; i++) z += (model.weights[i] ?? 0) * (vector[i] ?? 0);
  return 1 / (1 + Math.exp(-z));
}

/** Trains L2-regularised logistic regression by full-batch gradient descent (offline tooling; small data only). */
export function trainLinear(
  vectors: readonly Float32Array[],
  labels: readonly number[],
  sampleWeights: readonly number[],
  options: {
    epochs: number;
    learningRate: number;
    l2: number;
    /** Dimensions whose weight is kept at or above zero (projected after every step): evidence that may only add. */
    nonNegative?: readonly boolean[];
  },
): { weights: number[]; bias: number } {
  const dims = vectors[0]?.length ?? 0;
  const weights = new Float64Array(dims);
  let bias = 0;
  const total = sampleWeights.reduce((a, b) => a + b, 0);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const grad = new Float64Array(dims);
    let gradBias = 0;
    vectors.forEach((vector, n) => {
      let z = bias;
      for (let i = 0; i < dims; i++) z += (weights[i] ?? 0) * (vector[i] ?? 0);
      const error = (1 / (1 + Math.exp(-z)) - (labels[n] ?? 0)) * (sampleWeights[n] ?? 1);
      for (let i = 0; i < dims; i++) grad[i] = (grad[i] ?? 0) + error * (vector[i] ?? 0);
      gradBias += error;
    });
    for (let i = 0; i < dims; i++) {
      const next = (weights[i] ?? 0) - options.learningRate * ((grad[i] ?? 0) / total + options.l2 * (weights[i] ?? 0));
      weights[i] = options.nonNegative?.[i] === true ? Math.max(0, next) : next;
    }
    bias -= (options.learningRate * gradBias) / total;
  }
  return { weights: Array.from(weights, (w) => Math.round(w * 1e5) / 1e5), bias };
}
