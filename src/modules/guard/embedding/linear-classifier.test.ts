import { describe, expect, it } from 'vitest';
import { trainLinear } from './linear-classifier.js';

describe('trainLinear', () => {
  // Two collinear inputs: the second is the first plus noise that anti-correlates with the label on this data.
  // Unconstrained, the fit gives the second a negative weight; constrained, it may only add evidence.
  const vectors = [
    [1, 0.2],
    [1, 1.2],
    [0, -1],
    [0, 0.1],
    [1, 0.4],
    [0, -0.2],
  ].map((v) => Float32Array.from(v));
  const labels = [1, 0, 0, 0, 1, 0];
  const weights = labels.map(() => 1);

  it('keeps constrained weights at or above zero and leaves the others free', () => {
    const free = trainLinear(vectors, labels, weights, { epochs: 300, learningRate: 1, l2: 1e-3 });
    const constrained = trainLinear(vectors, labels, weights, {
      epochs: 300,
      learningRate: 1,
      l2: 1e-3,
      nonNegative: [false, true],
    });
    expect(free.weights[1]).toBeLessThan(0);
    expect(constrained.weights[1]).toBeGreaterThanOrEqual(0);
    expect(constrained.weights[0]).toBeGreaterThan(0);
  });
});
