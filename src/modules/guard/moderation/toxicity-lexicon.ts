import { readFileSync } from 'node:fs';
import { z } from 'zod';

const lexiconSchema = z.object({
  identity: z.array(z.string()),
  slurs: z.array(z.string()),
  reclaimable: z.array(z.string()),
  /** Slurs with a common harmless homonym or a reclaimed use ("fag" for a cigarette, "coon", "queer"): not reported alone. */
  ambiguousSlurs: z.array(z.string()),
  insults: z.array(z.string()),
  profanity: z.array(z.string()),
  dehumanizing: z.array(z.string()),
  hateEmotion: z.array(z.string()),
  derogatoryAttributes: z.array(z.string()),
  threatVerbs: z.array(z.string()),
});

/** The shipped toxicity lexicon (Bulwark's own word lists; see src/modules/guard/data/README.md). */
export type ToxicityLexicon = z.infer<typeof lexiconSchema>;

/** Reads and validates the shipped toxicity lexicon. */
export function loadToxicityLexicon(): ToxicityLexicon {
  return lexiconSchema.parse(
    JSON.parse(readFileSync(new URL('../data/toxicity-lexicon.json', import.meta.url), 'utf8')),
  );
}

/** Builds an alternation of whole words/phrases, longest first, with regex metacharacters escaped. */
export function alternation(words: readonly string[]): string {
  return [...new Set(words)]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'))
    .join('|');
}
