import { calibrateProbability } from '../embedding/calibrate-probability.js';
import type { ToxicityHit } from './scan-toxicity.js';

/** The knobs of the toxicity decision (see the detector's parameter schema for their meaning). */
export interface ToxicityDecisionSettings {
  readonly ruleFloor: number;
  readonly frameDamping: number;
  readonly semanticThreshold: number;
  /** How far a lexicon hit below the floor lifts the classifier's confidence towards 1 (0: not at all). */
  readonly ruleBoost: number;
}

/** One scored toxicity signal: a lexicon hit or the classifier's opinion on the whole text. */
export interface ToxicitySignal {
  readonly class: ToxicityHit['class'];
  readonly reason: string;
  readonly confidence: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Combines the lexicon hits and the classifier probability (undefined: classifier not run) into scored signals. Pure,
 * so the detector and the leave-one-source-out evaluation decide the same way.
 */
export function decideToxicity(
  text: string,
  hits: readonly ToxicityHit[],
  framed: boolean,
  probability: number | undefined,
  settings: ToxicityDecisionSettings,
): ToxicitySignal[] {
  const signals: ToxicitySignal[] = [];
  let semantic: number | undefined;
  if (probability !== undefined) {
    semantic = calibrateProbability(probability, settings.semanticThreshold);
    // The classifier reads words, not scope: negated harm, condemned quotes and plain approval of a group look like
    // hate to it. Under such a frame its score is damped; lexicon rules keep their own negation handling.
    if (framed) semantic *= settings.frameDamping;
    signals.push({
      class: 'moderation.toxicity',
      reason: 'guard.moderation.semantic_classifier',
      confidence: semantic,
      start: 0,
      end: text.length,
    });
  }
  for (const hit of hits) {
    // Weak lexicon evidence (profanity, an insult, a damped quote) lifts the classifier's confidence by its weight,
    // so it tips texts the classifier leans towards; strong evidence (at the floor) reports on its own.
    const confidence =
      hit.weight >= settings.ruleFloor || semantic === undefined
        ? hit.weight
        : semantic + (1 - semantic) * hit.weight * settings.ruleBoost;
    signals.push({ class: hit.class, reason: hit.reason, confidence, start: hit.start, end: hit.end });
  }
  return signals;
}
