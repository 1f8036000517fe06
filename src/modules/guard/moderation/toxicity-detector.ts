import { z } from 'zod';
import type { Detector, DetectorManifest, Finding, ScanContext } from '../detector.js';
import type { EmbeddingPool } from '../embedding/embedding-pool.js';
import { EmbeddingUnavailableError } from '../embedding/embedding-pool.js';
import { scoreLinear } from '../embedding/linear-classifier.js';
import { prepareEmbeddingInput } from '../embedding/prepare-embedding-input.js';
import { benignFrame, scanToxicity } from './scan-toxicity.js';
import { decideToxicity, type ToxicityDecisionSettings } from './toxicity-decision.js';
import { loadToxicityClassifier, type ToxicityModel } from './toxicity-model.js';

const params = z.object({
  minConfidence: z.number().min(0).max(1).default(0.5).describe('Findings below this confidence are not reported.'),
  ruleFloor: z
    .number()
    .min(0)
    .max(1)
    .default(0.9)
    .describe(
      'Lexicon rules report on their own only at or above this weight; weaker ones need the classifier to agree.',
    ),
  frameDamping: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe(
      'Factor on the classifier confidence when the text has a benign frame (negated harm, counter-speech, approval); at 0.5 the classifier alone never flags a framed text.',
    ),
  ruleBoost: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      'How far a lexicon hit below the floor lifts the classifier confidence towards 1; default: the value tuned with the shipped weights.',
    ),
  semanticThreshold: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      'Classifier probability that maps to confidence 0.5; default: the threshold tuned with the shipped weights (mean balanced accuracy over the development sources).',
    ),
});

/** Parameters of the toxicity detector. */
export type ToxicityParams = z.infer<typeof params>;

/** Options of the toxicity detector: an embedding pool enables the classifier; without it only the lexicon runs. */
export interface ToxicityDetectorOptions {
  readonly pool?: EmbeddingPool;
  readonly params?: Partial<ToxicityParams>;
  readonly model?: ToxicityModel;
}

const manifest: DetectorManifest<typeof params> = {
  name: 'toxicity',
  description:
    'Toxicity, hate and threats: lexicon rules with targets, negation and counter-speech handling, plus a sentence-embedding classifier.',
  hooks: ['output', 'input'],
  params,
};

/**
 * The toxicity classifier's probability for each text (one batched embedding call, off the event loop), or undefined
 * when the embedding pool cannot answer: callers fail closed on that.
 */
export async function toxicityProbabilities(
  pool: EmbeddingPool,
  model: ToxicityModel,
  texts: readonly string[],
): Promise<number[] | undefined> {
  try {
    const vectors = await pool.embed(texts.map((text) => prepareEmbeddingInput(text)));
    if (vectors.length !== texts.length) return undefined;
    return vectors.map((vector) => scoreLinear(model, vector));
  } catch (error) {
    if (error instanceof EmbeddingUnavailableError) return undefined;
    throw error;
  }
}

/** The decision settings of a detector configuration, with the shipped model's tuned threshold as the default. */
export function toxicitySettings(
  params: Partial<ToxicityParams> | undefined,
  model: ToxicityModel,
): ToxicityDecisionSettings & { minConfidence: number } {
  const parsed = manifest.params.parse(params ?? {});
  return {
    minConfidence: parsed.minConfidence,
    ruleFloor: parsed.ruleFloor,
    frameDamping: parsed.frameDamping,
    semanticThreshold: parsed.semanticThreshold ?? model.threshold,
    ruleBoost: parsed.ruleBoost ?? model.ruleBoost,
  };
}

/** Creates the toxicity/hate detector. */
export function createToxicityDetector(options: ToxicityDetectorOptions = {}): Detector {
  const model = options.model ?? loadToxicityClassifier();
  const settings = toxicitySettings(options.params, model);
  return {
    manifest,
    async scan(text: string, _ctx: ScanContext): Promise<Finding[]> {
      let probability: number | undefined;
      const unavailable: Finding[] = [];
      if (options.pool !== undefined) {
        probability = (await toxicityProbabilities(options.pool, model, [text]))?.[0];
        // SECURITY: fail closed, like the injection detector; the pipeline quarantines instead of passing unchecked
        // output. The lexicon still reports what it finds on its own.
        if (probability === undefined)
          unavailable.push({
            class: 'moderation.detector_unavailable',
            start: 0,
            end: text.length,
            confidence: 1,
            reason: 'guard.detector_unavailable',
            detector: manifest.name,
          });
      }
      const signals = decideToxicity(text, scanToxicity(text), benignFrame(text) !== undefined, probability, settings)
        .filter((signal) => signal.confidence >= settings.minConfidence)
        .map((signal) => ({ ...signal, detector: manifest.name }));
      return [...unavailable, ...signals];
    },
  };
}
