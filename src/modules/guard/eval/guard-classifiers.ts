import type { Detector } from '../detector.js';
import { EmbeddingPool } from '../embedding/embedding-pool.js';
import { createInjectionDetector } from '../injection/injection-detector.js';
import { createToxicityDetector } from '../moderation/toxicity-detector.js';
import type { Verdict } from './run-classification-eval.js';

/** A detector wrapped as a binary classifier for evaluation, with the pool it owns. */
export interface EvalClassifier {
  readonly classify: (text: string) => Promise<Verdict>;
  readonly close: () => Promise<void>;
}

/** Which detector to evaluate and whether to run its embedding stage. */
export interface EvalClassifierOptions {
  readonly task: 'injection' | 'toxicity';
  /** Skip the embedding stage (rules only). */
  readonly rulesOnly?: boolean;
  /** Confidence at which a finding counts as a positive prediction. */
  readonly threshold?: number;
}

/** Builds the injection or toxicity detector as a classifier: a text is positive when any finding reaches the threshold. */
export async function createEvalClassifier(options: EvalClassifierOptions): Promise<EvalClassifier> {
  const pool = options.rulesOnly === true ? undefined : new EmbeddingPool({ size: 1, timeoutMs: 30_000 });
  await pool?.start();
  const detector: Detector =
    options.task === 'injection'
      ? createInjectionDetector(pool === undefined ? {} : { pool })
      : createToxicityDetector(pool === undefined ? {} : { pool });
  const threshold = options.threshold ?? 0.5;
  return {
    classify: async (text) => {
      const findings = (await detector.scan(text, { hook: options.task === 'injection' ? 'input' : 'output' })).filter(
        (f) => f.confidence >= threshold,
      );
      return { flagged: findings.length > 0, classes: findings.map((f) => f.class) };
    },
    close: async () => {
      await pool?.close();
    },
  };
}
