import { adversarialSuffixScore } from './adversarial-suffix.js';
import { perplexityFeatures, type CharLanguageModel } from './char-language-model.js';
import { detectEmbeddedInstructions, type EmbeddedInstruction } from './detect-embedded-instructions.js';
import { encodedRequestScore } from './encoded-request.js';
import { framedHarmScore, licenceScore } from './jailbreak-framing.js';
import { lexicalFeaturesOfForm, lexicalForm, type SparseVector } from './lexical-features.js';
import { normalizeText } from './normalize-text.js';
import { ruleScore, scanInjectionRules, type RuleHit } from './scan-injection-rules.js';
import { segmentText, type Segment } from './segment-text.js';
import { tokenFloodScore } from './token-flood.js';

/** Rule classes whose strongest hit becomes one dense feature each (the order is part of the shipped model). */
export const ruleFeatureClasses = [
  'injection.instruction_override',
  'injection.prompt_extraction',
  'injection.jailbreak_roleplay',
  'injection.delimiter',
  'injection.indirect',
  'injection.obfuscated',
] as const;

/** Names of the dense features, in the order of {@link denseFeatures}. */
export const denseFeatureNames = [
  ...ruleFeatureClasses.map((c) => `rule:${c.slice('injection.'.length)}`),
  'rule:combined',
  'ppl:mean_bits',
  'ppl:high_window_share',
  'indirect:embedded_instruction',
  'framing:framed_harm',
  'flood:token_repeat',
  'encoded:request',
  'suffix:adversarial',
  'framing:licence',
  'length:log_chars',
] as const;

/** Everything the injection model reads from a text, except the sentence embedding. */
export interface TextEvidence {
  readonly segments: readonly Segment[];
  /** One hashed lexical vector per segment. */
  readonly bag: readonly SparseVector[];
  readonly rules: readonly RuleHit[];
  readonly embedded: EmbeddedInstruction;
  /** The normalised text (homoglyphs folded, invisible characters removed) the perplexity signal reads. */
  readonly normalized: string;
  /** Role-play / fiction framing and harmful-goal scores of the normalised text. */
  readonly framing: { readonly framedHarm: number };
  /** 0..1 strength of a token flood (a short unit repeated dozens of times in a row). */
  readonly flood: number;
  /** 0..1 strength of a request hidden in a cipher or encoding (see `encoded-request.ts`). */
  readonly encoded: number;
  /** 0..1 strength of an optimised adversarial suffix after a harmful request (see `adversarial-suffix.ts`). */
  readonly suffix: number;
  /** 0..1 strength of a claim that switches refusal off (see `licenceScore` in `jailbreak-framing.ts`). */
  readonly licence: number;
}

// The framing cues read the start of a prompt; a jailbreak's frame and goal sit there.
const framingChars = 4_000;

/** Segments, lexical bag, rule hits and the embedded-instruction finding of a text (independent of learned parts). */
export function collectEvidence(text: string): TextEvidence {
  const segments = segmentText(text);
  const bag = segments.map((segment) => lexicalFeaturesOfForm(lexicalForm(segment.text)));
  const normalized = normalizeText(text).text;
  const framing = framedHarmScore(normalized.slice(0, framingChars));
  return {
    segments,
    bag,
    rules: scanInjectionRules(text),
    embedded: detectEmbeddedInstructions(text, segments),
    normalized,
    framing,
    flood: tokenFloodScore(normalized),
    encoded: encodedRequestScore(normalized),
    suffix: adversarialSuffixScore(normalized),
    licence: licenceScore(normalized.slice(0, framingChars), framing.harm),
  };
}

/**
 * Dense features of a text given its evidence and the benign character model (see {@link denseFeatureNames}). The
 * perplexity enters as the mean and the share of gibberish windows, not the single worst window: one window of an
 * e-mail header, a URL or a line of code reads as gibberish as often as a cipher does.
 */
export function denseFeatures(text: string, evidence: TextEvidence, charModel: CharLanguageModel): number[] {
  const perClass = ruleFeatureClasses.map((cls) =>
    evidence.rules.reduce((max, hit) => (hit.class === cls ? Math.max(max, hit.weight) : max), 0),
  );
  const ppl = perplexityFeatures(charModel, evidence.normalized);
  return [
    ...perClass,
    ruleScore(evidence.rules),
    ppl.meanBits / 8,
    ppl.highWindowShare,
    evidence.embedded.score,
    evidence.framing.framedHarm,
    evidence.flood,
    evidence.encoded,
    evidence.suffix,
    evidence.licence,
    Math.log1p(text.length) / 8,
  ];
}
