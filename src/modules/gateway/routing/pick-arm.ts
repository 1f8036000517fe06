import { createHash } from 'node:crypto';

/** A point in [0, 100) fixed by the request id: the same id always lands on the same point. */
export function pointOf(requestId: string): number {
  // The first 48 bits of SHA-256 are uniform enough for traffic splits and need no seed.
  const bits = createHash('sha256').update(requestId).digest().readUIntBE(0, 6);
  return (bits / 2 ** 48) * 100;
}

/**
 * The index of the arm a request goes to, by weight: arm i takes the point range of its weight, in declared order.
 * Weights need not sum to 100 (an arm whose model has gone is left out); all-zero weights pick the first arm.
 */
export function pickArm(requestId: string, weights: readonly number[]): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total <= 0) return 0;
  const point = (pointOf(requestId) / 100) * total;
  let upTo = 0;
  for (const [i, w] of weights.entries()) {
    upTo += w;
    if (point < upTo) return i;
  }
  return weights.length - 1;
}
