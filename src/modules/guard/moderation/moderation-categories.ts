/** OpenAI's moderation categories, named as its moderation API names them (omni-moderation). */
export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

/** One moderation category. */
export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

/** A score in [0, 1] per category. */
export type CategoryScores = Record<ModerationCategory, number>;

/** A zero score for every category. */
export function emptyScores(): CategoryScores {
  return Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, 0])) as CategoryScores;
}
