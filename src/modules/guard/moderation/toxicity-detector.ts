import { z } from 'zod';
import type { Detector, DetectorManifest, Finding, ScanContext } from '../detector.js';
import type { EmbeddingPool } from '../embedding/embedding-pool.js';
import type { LinearModel } from '../embedding/linear-classifier.js';
import { loadShippedClassifier, semanticScore } from '../embedding/semantic-score.js';
import { benignFrame, scanToxicity } from './scan-toxicity.js';

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
    .default(0.8)
    .describe(
      'Factor on the classifier probability when the text has a benign frame (negated harm, counter-speech, approval).',
    ),
  semanticThreshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.6)
    .describe(
      'Classifier probability that maps to confidence 0.5 (chosen on the tune split: balanced accuracy on surge and HateCheck).',
    ),
});

/** Parameters of the toxicity detector. */
export type ToxicityParams = z.infer<typeof params>;

/** Options of the toxicity detector: an embedding pool enables the classifier; without it only the lexicon runs. */
export interface ToxicityDetectorOptions {
  readonly pool?: EmbeddingPool;
  readonly params?: Partial<ToxicityParams>;
  readonly model?: LinearModel;
}

const manifest: DetectorManifest<typeof params> = {
  name: 'toxicity',
  description:
    'Toxicity, hate and threats: lexicon rules with targets, negation and counter-speech handling, plus a sentence-embedding classifier.',
  hooks: ['output', 'input'],
  params,
};

/** Loads the shipped toxicity classifier (trained offline on the tune split of the toxicity development data). */
export function loadToxicityClassifier(): LinearModel {
  return loadShippedClassifier('toxicity-classifier.json');
}

/** Creates the toxicity/hate detector. */
export function createToxicityDetector(options: ToxicityDetectorOptions = {}): Detector {
  const settings = params.parse(options.params ?? {});
  const model = options.pool === undefined ? undefined : (options.model ?? loadToxicityClassifier());
  return {
    manifest,
    async scan(text: string, _ctx: ScanContext): Promise<Finding[]> {
      let semantic: number | undefined;
      const findings: Finding[] = [];
      if (options.pool !== undefined && model !== undefined) {
        semantic = await semanticScore(options.pool, model, text, settings.semanticThreshold);
        if (semantic === undefined) {
          // SECURITY: fail closed, like the injection detector; the pipeline quarantines instead of passing unchecked output.
          findings.push({
            class: 'moderation.detector_unavailable',
            start: 0,
            end: text.length,
            confidence: 1,
            reason: 'guard.detector_unavailable',
            detector: manifest.name,
          });
        } else {
          // The classifier reads words, not scope: negated harm, condemned quotes and plain approval of a group look
          // like hate to it. Under such a frame its score is damped; lexicon rules keep their own negation handling.
          if (benignFrame(text) !== undefined) semantic *= settings.frameDamping;
          findings.push({
            class: 'moderation.toxicity',
            start: 0,
            end: text.length,
            confidence: semantic,
            reason: 'guard.moderation.semantic_classifier',
            detector: manifest.name,
          });
        }
      }
      for (const hit of scanToxicity(text)) {
        // Weak lexicon evidence (profanity, damped quotes) only counts when the classifier leans the same way.
        const confidence =
          hit.weight >= settings.ruleFloor || semantic === undefined ? hit.weight : Math.min(hit.weight, semantic);
        findings.push({
          class: hit.class,
          start: hit.start,
          end: hit.end,
          confidence,
          reason: hit.reason,
          detector: manifest.name,
        });
      }
      return findings.filter((finding) => finding.confidence >= settings.minConfidence);
    },
  };
}
