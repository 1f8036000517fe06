import { normalizeText } from '../injection/normalize-text.js';

/** Characters of a prompt the embedding stage looks at; the model's cost grows with tokens, so long prompts are cut. */
export const embeddingInputChars = 1_000;

/** The injection model's shorter window: the cost of the model grows with tokens, and persona or override framing
 * sits at the head; segments further in are covered by the lexical stage. */
export const injectionEmbeddingChars = 256;

/**
 * Turns a prompt into the model input: normalised (invisible characters, homoglyphs), whitespace collapsed and cut
 * to the first `chars` characters (default {@link embeddingInputChars}; the injection model uses
 * {@link injectionEmbeddingChars}). The shipped library was embedded through this same function.
 */
export function prepareEmbeddingInput(text: string, chars = embeddingInputChars): string {
  // SECURITY: the rule stage scans the full text; the embedding stage only adds a semantic opinion on the head,
  // where persona and override framing sit in the attacks we know.
  return normalizeText(text).text.replace(/\s+/g, ' ').trim().slice(0, chars);
}
