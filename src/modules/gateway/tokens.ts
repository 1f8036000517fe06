// Approximate token counting, for the built-in model's usage and the meter's reservation estimate.
// It is not a tokenizer: each run of letters or digits counts one token per started 4 characters, every other
// non-space character counts one. On English prose this lands within about ±30% of OpenAI's cl100k/o200k counts;
// code and non-Latin scripts can be further off. Real providers report their own usage, which is what is settled.

const PIECES = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** Approximate number of tokens in `text` (see the comment above for how far off it can be). */
export function countTokens(text: string): number {
  let tokens = 0;
  for (const match of text.matchAll(PIECES)) {
    const piece = match[0];
    tokens += /^[\p{L}\p{N}]/u.test(piece) ? Math.ceil(piece.length / 4) : 1;
  }
  return tokens;
}

/** Approximate prompt tokens of chat messages: their text plus a few tokens of framing per message, as OpenAI counts. */
export function countMessageTokens(texts: readonly string[]): number {
  let tokens = 3;
  for (const text of texts) tokens += 4 + countTokens(text);
  return tokens;
}
