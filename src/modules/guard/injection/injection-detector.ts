import { z } from 'zod';
import type { Detector, DetectorManifest, Finding, ScanContext } from '../detector.js';
import { calibrateProbability } from '../embedding/calibrate-probability.js';
import type { EmbeddingPool } from '../embedding/embedding-pool.js';
import { prepareEmbeddingInput } from '../embedding/prepare-embedding-input.js';
import { runRulesStage, type GuardRulesPool } from '../rules-pool.js';
import { WorkerUnavailableError } from '../worker-pool.js';
import {
  decidedWithoutEmbedding,
  loadShippedInjectionModel,
  type FloorSignal,
  scoreFull,
  type InjectionModel,
} from './injection-model.js';
import { runInjectionStageOne, type InjectionStageOneResult } from './injection-stage-one.js';

const params = z.object({
  minConfidence: z.number().min(0).max(1).default(0.5).describe('Findings below this confidence are not reported.'),
});

/** Parameters of the injection detector. */
export type InjectionParams = z.infer<typeof params>;

/**
 * What the injection detector needs: an embedding pool (omit it for the lexical path only), the guard rules pool its
 * first stage runs in (omit it to run that stage on the calling thread), parameters, a model.
 */
export interface InjectionDetectorOptions {
  readonly pool?: EmbeddingPool;
  readonly rulesPool?: GuardRulesPool;
  readonly params?: Partial<InjectionParams>;
  /**
   * The learned model; default the shipped one (`src/modules/guard/data/injection-model.json`). The rules worker
   * loads the shipped model, so another model runs its first stage on the calling thread only.
   */
  readonly model?: InjectionModel;
}

const manifest: DetectorManifest<typeof params> = {
  name: 'injection',
  description:
    'Prompt injection and jailbreak detection: intent rules, hashed word/character n-grams scored per segment, an embedded-instruction detector, a token-flood signal, decoding of ciphered requests, an adversarial-suffix signal, a character language-model perplexity signal and (for uncertain texts) a sentence-embedding classifier, fused with one calibrated threshold per hook.',
  hooks: ['input', 'output'],
  params,
};

const unavailable = (text: string): Finding => ({
  class: 'injection.detector_unavailable',
  start: 0,
  end: text.length,
  confidence: 1,
  reason: 'guard.detector_unavailable',
  detector: manifest.name,
});

// What a whole-text finding says when a signal with its own floor carried the decision.
const floorFinding: Record<Exclude<FloorSignal, 'embeddedInstruction'>, { class: string; reason: string }> = {
  framedHarm: {
    class: 'injection.jailbreak_roleplay',
    reason: 'guard.injection.jailbreak_roleplay.framed_harmful_goal',
  },
  jailbreakLicence: {
    class: 'injection.jailbreak_roleplay',
    reason: 'guard.injection.jailbreak_roleplay.refusal_off_claim',
  },
  tokenFlood: { class: 'injection.obfuscated', reason: 'guard.injection.obfuscated.token_flood' },
  encodedRequest: { class: 'injection.obfuscated', reason: 'guard.injection.obfuscated.encoded_request' },
  adversarialSuffix: { class: 'injection.obfuscated', reason: 'guard.injection.obfuscated.adversarial_suffix' },
};

/** The findings that explain a positive decision: the rules that fired, else the signal that carried it. */
function explain(text: string, first: InjectionStageOneResult, confidence: number): Finding[] {
  const rules = first.rules.map((hit) => ({
    class: hit.class,
    start: hit.start,
    end: hit.end,
    confidence,
    reason: hit.reason,
    detector: manifest.name,
  }));
  if (rules.length > 0) return rules;
  if (first.embedded.score >= 0.5)
    return [
      {
        class: 'injection.indirect',
        start: first.embedded.start,
        end: first.embedded.end,
        confidence,
        reason: 'guard.injection.indirect.embedded_instruction',
        detector: manifest.name,
      },
    ];
  if (first.floor >= 0.5 && first.floorSignal !== 'embeddedInstruction') {
    const { class: cls, reason } = floorFinding[first.floorSignal];
    return [{ class: cls, start: 0, end: text.length, confidence, reason, detector: manifest.name }];
  }
  const segment = first.bestSegment ?? { start: 0, end: text.length };
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
 * perplexity) decides alone when it is sure; uncertain texts also go to the embedding model. With a rules pool the
 * first stage runs in the guard rules worker and the event loop only awaits its answer. A pool that cannot answer
 * fails the scan closed.
 */
export function createInjectionDetector(options: InjectionDetectorOptions = {}): Detector {
  const settings = params.parse(options.params ?? {});
  const { pool, rulesPool } = options;
  if (rulesPool !== undefined && options.model !== undefined)
    throw new Error('injection detector: the rules worker runs the shipped model; omit `model` or `rulesPool`');
  const model = options.model ?? loadShippedInjectionModel();
  const stageOne = async (text: string): Promise<InjectionStageOneResult> =>
    rulesPool === undefined
      ? runInjectionStageOne(model, text)
      : (await runRulesStage(rulesPool, 'injection', text)).result;
  return {
    manifest,
    async scan(text: string, ctx: ScanContext): Promise<Finding[]> {
      // SECURITY: fail closed. A pool that has failed means the deployment lost a stage it was configured with.
      if (pool !== undefined && !pool.available) return [unavailable(text)];
      if (rulesPool !== undefined && !rulesPool.available) return [unavailable(text)];
      try {
        const first = await stageOne(text);
        let confidence: number;
        if (pool === undefined || decidedWithoutEmbedding(model, first.stage))
          confidence = calibrateProbability(first.stage.probability, model.thresholds.lexical[ctx.hook]);
        else {
          const [vector] = await pool.embed([prepareEmbeddingInput(text, model.embedding.inputChars)]);
          if (vector === undefined) return [unavailable(text)];
          confidence = calibrateProbability(scoreFull(model, first.stage, vector), model.thresholds.full[ctx.hook]);
        }
        confidence = Math.max(confidence, first.floor);
        if (confidence < settings.minConfidence) return [];
        return explain(text, first, confidence);
      } catch (error) {
        // SECURITY: a rules worker or embedding worker that crashed, timed out, was full or closed answers nothing,
        // and a text nothing scanned is refused, never passed (EmbeddingUnavailableError is one of these).
        if (error instanceof WorkerUnavailableError) return [unavailable(text)];
        throw error;
      }
    },
  };
}
