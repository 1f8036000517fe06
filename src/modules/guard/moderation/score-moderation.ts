import {
  emptyScores,
  MODERATION_CATEGORIES,
  type CategoryScores,
  type ModerationCategory,
} from './moderation-categories.js';
import { scanHarmCategories } from './scan-harm-categories.js';
import { benignFrame, scanToxicity } from './scan-toxicity.js';
import { decideToxicity, type ToxicityDecisionSettings } from './toxicity-decision.js';
import { alternation, loadToxicityLexicon } from './toxicity-lexicon.js';

/** The moderation of one text: per-category scores, flags, and the reason codes behind the flags. */
export interface ModerationOutcome {
  readonly flagged: boolean;
  readonly categories: Record<ModerationCategory, boolean>;
  readonly scores: CategoryScores;
  readonly reasons: readonly string[];
}

let groupPattern: RegExp | undefined;

// Whether the text names a group of people (identity term or slur): the classifier's toxicity then counts as hate.
function namesGroup(text: string): boolean {
  if (groupPattern === undefined) {
    const lexicon = loadToxicityLexicon();
    const adjectives = String.raw`(?:muslim|jewish|black|white|asian|gay|lesbian|trans|transgender|queer|bisexual|disabled|immigrant|mexican|chinese|arab|indian|african|latino|latina|hispanic|christian|catholic|hindu|female|male|native|indigenous|autistic)`;
    groupPattern = new RegExp(
      String.raw`\b(?:${alternation([...lexicon.identity, ...lexicon.slurs])}|${adjectives}\s+\w+|jews?|muslims?|islam|blacks?|gays?|trans|immigrants?|refugees?|women|woman|girls?)\b`,
      'i',
    );
  }
  return groupPattern.test(text);
}

const selfHarmDare = /\b(?:kill\s+yourself|kys|go\s+die|hang\s+yourself|slit\s+your\s+wrists?|drink\s+bleach)\b/i;

/**
 * Scores `text` in OpenAI's moderation categories from the lexicon and harm rules and the toxicity classifier's
 * probability (undefined: not run). A category is flagged at `flagAt` (the guard's default report threshold).
 */
export function scoreModeration(
  text: string,
  probability: number | undefined,
  settings: ToxicityDecisionSettings,
  flagAt = 0.5,
): ModerationOutcome {
  const scores = emptyScores();
  const reasons = new Map<ModerationCategory, Set<string>>();
  const raise = (category: ModerationCategory, score: number, reason: string): void => {
    if (score > scores[category]) scores[category] = score;
    if (score >= flagAt) {
      const set = reasons.get(category) ?? new Set<string>();
      set.add(reason);
      reasons.set(category, set);
    }
  };
  const group = namesGroup(text);
  const signals = decideToxicity(text, scanToxicity(text), benignFrame(text) !== undefined, probability, settings);
  for (const signal of signals) {
    const span = text.slice(signal.start, signal.end);
    if (signal.reason === 'guard.moderation.semantic_classifier') {
      // The classifier is trained for toxicity in general: harassment by default, hate when a group is named.
      raise('harassment', signal.confidence, signal.reason);
      raise('hate', group ? signal.confidence : signal.confidence * 0.6, signal.reason);
    } else if (signal.class === 'moderation.threat') {
      raise('violence', signal.confidence, signal.reason);
      raise('harassment/threatening', signal.confidence, signal.reason);
      raise('harassment', signal.confidence * 0.9, signal.reason);
      if (namesGroup(span)) {
        raise('hate/threatening', signal.confidence, signal.reason);
        raise('hate', signal.confidence * 0.9, signal.reason);
      }
    } else if (signal.class === 'moderation.hate') {
      raise('hate', signal.confidence, signal.reason);
      raise('harassment', signal.confidence * 0.8, signal.reason);
    } else {
      raise('harassment', signal.confidence, signal.reason);
      if (selfHarmDare.test(span)) {
        raise('harassment/threatening', signal.confidence, signal.reason);
        raise('self-harm', signal.confidence * 0.7, signal.reason);
      }
    }
  }
  for (const hit of scanHarmCategories(text)) raise(hit.category, hit.score, hit.reason);
  // A sub-category implies its parent at least as strongly (OpenAI's taxonomy nests them).
  for (const category of MODERATION_CATEGORIES) {
    const parent = category.split('/')[0] as ModerationCategory;
    if (parent !== category && scores[category] > scores[parent])
      raise(parent, scores[category], 'guard.moderation.subcategory');
  }
  const rounded = Object.fromEntries(
    MODERATION_CATEGORIES.map((c) => [c, Math.round(Math.min(1, Math.max(0, scores[c])) * 1e6) / 1e6]),
  ) as CategoryScores;
  const categories = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, rounded[c] >= flagAt])) as Record<
    ModerationCategory,
    boolean
  >;
  return {
    flagged: Object.values(categories).some(Boolean),
    categories,
    scores: rounded,
    reasons: [...new Set([...reasons.values()].flatMap((set) => [...set]))].sort(),
  };
}
