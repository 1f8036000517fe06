import { z } from 'zod';
import type { Detector, DetectorManifest, Finding, ScanContext } from '../detector.js';
import { calibrateProbability } from '../embedding/calibrate-probability.js';
import { EmbeddingUnavailableError, type EmbeddingPool } from '../embedding/embedding-pool.js';
import { prepareEmbeddingInput } from '../embedding/prepare-embedding-input.js';
import { collectEvidence, type TextEvidence } from './injection-features.js';
import {
  decidedWithoutEmbedding,
  floorConfidence,
  loadShippedInjectionModel,
  scoreFull,
  scoreStageOne,
  type InjectionModel,
  type StageOne,
} from './injection-model.js';
import type { RuleHit } from './scan-injection-rules.js';

const params = z.object({
  minConfidence: z.number().min(0).max(1).default(0.5).describe('Findings below this confidence are not reported.'),
});

/** Parameters of the injection detector. */
export type InjectionParams = z.infer<typeof params>;

/** What the injection detector needs: an embedding pool (omit it for the lexical path only), parameters, a model. */
export interface InjectionDetectorOptions {
  readonly pool?: EmbeddingPool;
  readonly params?: Partial<InjectionParams>;
  /** The learned model; default the shipped one (`src/modules/guard/data/injection-model.json`). */
  readonly model?: InjectionModel;
}

const manifest: DetectorManifest<typeof params> = {
  name: 'injection',
  description:
    'Prompt injection and jailbreak detection: intent rules, hashed word/character n-grams scored per segment, an embedded-instruction detector, a character language-model perplexity signal and (for uncertain texts) a sentence-embedding classifier, fused with one calibrated threshold per hook.',
  hooks: ['input', 'output'],
  params,
};

function strongestPerClass(hits: readonly RuleHit[]): RuleHit[] {
  const best = new Map<string, RuleHit>();
  for (const hit of hits) {
    const current = best.get(hit.class);
    if (current === undefined || hit.weight > current.weight) best.set(hit.class, hit);
  }
  return [...best.values()].filter((hit) => hit.weight >= 0.5);
}

const unavailable = (text: string): Finding => ({
  class: 'injection.detector_unavailable',
  start: 0,
  end: text.length,
  confidence: 1,
  reason: 'guard.detector_unavailable',
  detector: manifest.name,
});

/** The findings that explain a positive decision: the rules that fired, else the signal that carried it. */
function explain(
  text: string,
  evidence: TextEvidence,
  stage: StageOne,
  confidence: number,
  floorHit: boolean,
): Finding[] {
  const rules = strongestPerClass(evidence.rules).map((hit) => ({
    class: hit.class,
    start: hit.start,
    end: hit.end,
    confidence,
    reason: hit.reason,
    detector: manifest.name,
  }));
  if (rules.length > 0) return rules;
  if (evidence.embedded.score >= 0.5)
    return [
      {
        class: 'injection.indirect',
        start: evidence.embedded.start,
        end: evidence.embedded.end,
        confidence,
        reason: 'guard.injection.indirect.embedded_instruction',
        detector: manifest.name,
      },
    ];
  if (floorHit && evidence.framing.framedHarm > 0)
    return [
      {
        class: 'injection.jailbreak_roleplay',
        start: 0,
        end: text.length,
        confidence,
        reason: 'guard.injection.jailbreak_roleplay.framed_harmful_goal',
        detector: manifest.name,
      },
    ];
  const segment = evidence.segments[stage.bestSegment] ?? { start: 0, end: text.length };
  return [
    {
      class: 'injection.semantic',
      start: segment.start,
      end: Math.min(text.length, segment.end),
      confidence,
      reason: 'guard.injection.semantic_classifier',
      detector: manifest.name,
    },
  ];
}

/**
 * Creates the injection detector. The first stage (rules, lexical model over segments, embedded instructions,
 * perplexity) decides alone when it is sure; uncertain texts also go to the embedding model. With a pool that
 * cannot answer, it fails closed.
 */
export function createInjectionDetector(options: InjectionDetectorOptions = {}): Detector {
  const settings = params.parse(options.params ?? {});
  const model = options.model ?? loadShippedInjectionModel();
  const pool = options.pool;
  return {
    manifest,
    async scan(text: string, ctx: ScanContext): Promise<Finding[]> {
      // SECURITY: fail closed. A pool that has failed means the deployment lost a stage it was configured with.
      if (pool !== undefined && !pool.available) return [unavailable(text)];
      const evidence = collectEvidence(text);
      const stage = scoreStageOne(model, text, evidence);
      let confidence: number;
      if (pool === undefined) confidence = calibrateProbability(stage.probability, model.thresholds.lexical[ctx.hook]);
      else if (decidedWithoutEmbedding(model, stage))
        confidence = calibrateProbability(stage.probability, model.thresholds.lexical[ctx.hook]);
      else {
        try {
          const [vector] = await pool.embed([prepareEmbeddingInput(text, model.embedding.inputChars)]);
          if (vector === undefined) return [unavailable(text)];
          confidence = calibrateProbability(scoreFull(model, stage, vector), model.thresholds.full[ctx.hook]);
        } catch (error) {
          if (error instanceof EmbeddingUnavailableError) return [unavailable(text)];
          throw error;
        }
      }
      const floor = floorConfidence(model, evidence);
      confidence = Math.max(confidence, floor);
      if (confidence < settings.minConfidence) return [];
      return explain(text, evidence, stage, confidence, floor >= 0.5);
    },
  };
}
