import { readFileSync } from 'node:fs';
import { EmbeddingUnavailableError, type EmbeddingPool } from './embedding-pool.js';
import { calibrateProbability } from './calibrate-probability.js';
import { linearModelSchema, scoreLinear, type LinearModel } from './linear-classifier.js';
import { prepareEmbeddingInput } from './prepare-embedding-input.js';

/** Loads a classifier shipped in src/modules/guard/data (trained offline on tune splits; see docs/guard-quality.md). */
export function loadShippedClassifier(file: string): LinearModel {
  return linearModelSchema.parse(JSON.parse(readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8')));
}

/**
 * The calibrated probability that `text` belongs to the classifier's positive class (`threshold` maps to 0.5),
 * or undefined when the embedding pool cannot answer: callers turn that into a fail-closed finding.
 */
export async function semanticScore(
  pool: EmbeddingPool,
  model: LinearModel,
  text: string,
  threshold: number,
): Promise<number | undefined> {
  try {
    const [vector] = await pool.embed([prepareEmbeddingInput(text)]);
    if (vector === undefined) return undefined;
    return calibrateProbability(scoreLinear(model, vector), threshold);
  } catch (error) {
    if (error instanceof EmbeddingUnavailableError) return undefined;
    throw error;
  }
}
