import { z } from 'zod';
import type { Detector, DetectorManifest, Finding, ScanContext } from '../detector.js';
import type { EmbeddingPool } from '../embedding/embedding-pool.js';
import type { LinearModel } from '../embedding/linear-classifier.js';
import { loadShippedClassifier, semanticScore } from '../embedding/semantic-score.js';
import { ruleScore, scanInjectionRules, type RuleHit } from './scan-injection-rules.js';

const params = z.object({
  minConfidence: z.number().min(0).max(1).default(0.5).describe('Findings below this confidence are not reported.'),
  semanticThreshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.7)
    .describe('Classifier probability that maps to confidence 0.5 (chosen on the tune split for FPR ≤ 0.03).'),
});

/** Parameters of the injection detector. */
export type InjectionParams = z.infer<typeof params>;

/** What the injection detector needs: an embedding pool (omit it for a rules-only detector) and parameters. */
export interface InjectionDetectorOptions {
  readonly pool?: EmbeddingPool;
  readonly params?: Partial<InjectionParams>;
  readonly model?: LinearModel;
}

const manifest: DetectorManifest<typeof params> = {
  name: 'injection',
  description:
    'Prompt injection and jailbreak detection: intent rules over normalised and decoded text, plus a sentence-embedding classifier.',
  hooks: ['input', 'output'],
  params,
};

/** Loads the shipped injection classifier (trained offline on the tune split; see docs/guard-quality.md). */
export function loadInjectionClassifier(): LinearModel {
  return loadShippedClassifier('injection-classifier.json');
}

function strongestPerClass(hits: readonly RuleHit[]): RuleHit[] {
  const best = new Map<string, RuleHit>();
  for (const hit of hits) {
    const current = best.get(hit.class);
    if (current === undefined || hit.weight > current.weight) best.set(hit.class, hit);
  }
  return [...best.values()];
}

/** Creates the injection detector; with a pool it adds the embedding stage and fails closed when the pool cannot answer. */
export function createInjectionDetector(options: InjectionDetectorOptions = {}): Detector {
  const settings = params.parse(options.params ?? {});
  const model = options.pool === undefined ? undefined : (options.model ?? loadInjectionClassifier());
  return {
    manifest,
    async scan(text: string, _ctx: ScanContext): Promise<Finding[]> {
      const hits = scanInjectionRules(text);
      const combinedRules = ruleScore(hits);
      const findings: Finding[] = strongestPerClass(hits).map((hit) => ({
        class: hit.class,
        start: hit.start,
        end: hit.end,
        // Each class reports its strongest rule, raised to the noisy-OR of all rules when several agree.
        confidence: Math.max(hit.weight, combinedRules * 0.95),
        reason: hit.reason,
        detector: manifest.name,
      }));
      if (options.pool !== undefined && model !== undefined) {
        const confidence = await semanticScore(options.pool, model, text, settings.semanticThreshold);
        // SECURITY: fail closed. Without the embedding stage a fluent attack that no rule names would pass,
        // so the detector reports an error finding with confidence 1 that the pipeline treats as a block.
        findings.push(
          confidence === undefined
            ? {
                class: 'injection.detector_unavailable',
                start: 0,
                end: text.length,
                confidence: 1,
                reason: 'guard.detector_unavailable',
                detector: manifest.name,
              }
            : {
                class: 'injection.semantic',
                start: 0,
                end: text.length,
                confidence,
                reason: 'guard.injection.semantic_classifier',
                detector: manifest.name,
              },
        );
      }
      return findings.filter((finding) => finding.confidence >= settings.minConfidence);
    },
  };
}
