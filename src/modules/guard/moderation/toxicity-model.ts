import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { linearModelSchema } from '../embedding/linear-classifier.js';

/** The shipped toxicity classifier: logistic-regression weights over sentence embeddings and its tuned threshold. */
export const toxicityModelSchema = linearModelSchema.extend({
  /** Probability mapped to confidence 0.5, tuned with the weights (mean balanced accuracy over the sources). */
  threshold: z.number().min(0).max(1),
  /** Lift of weak lexicon hits, tuned with the threshold. */
  ruleBoost: z.number().min(0).max(1),
});

/** A parsed toxicity model. */
export type ToxicityModel = z.infer<typeof toxicityModelSchema>;

let shipped: ToxicityModel | undefined;

/** Loads (once) the toxicity classifier shipped in src/modules/guard/data; it never touches the network. */
export function loadToxicityClassifier(): ToxicityModel {
  shipped ??= toxicityModelSchema.parse(
    JSON.parse(readFileSync(new URL('../data/toxicity-classifier.json', import.meta.url), 'utf8')),
  );
  return shipped;
}
