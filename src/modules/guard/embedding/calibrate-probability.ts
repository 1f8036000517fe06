/**
 * Maps a classifier probability onto the guard's confidence scale piecewise-linearly, so the operating threshold
 * chosen on the tune split lands on confidence 0.5 (the default policy threshold) and 0 and 1 stay fixed.
 */
export function calibrateProbability(probability: number, threshold: number): number {
  return probability < threshold
    ? (probability / threshold) * 0.5
    : 0.5 + ((probability - threshold) / (1 - threshold)) * 0.5;
}
