import { harmfulGoalScore } from './jailbreak-framing.js';

/**
 * Optimised adversarial suffixes (GCG and its successors) are a harmful request followed by tokens a search picked for
 * their effect on the model, not for meaning: `… for-----"," ok waitsh mate imply vague,. throw Ara setup onto ([
 * travelSG++, Such`. Their tokens are odd in ways people rarely type: punctuation glued inside or between words,
 * words run together, consonant runs no language spells. Odd tokens alone are common (code, logs, paths), so the signal
 * is their share in the last tokens of a text that also asks for something harmful; ids, numbers, paths and calls,
 * which is how code and logs are odd, do not count.
 */

/** Tokens at the end of a text that the signal reads (a GCG suffix is about 20 tokens). */
const tailTokens = 20;
/** Fewer tokens than this leave no room for a request and a suffix. */
const minTokens = 10;

// Code and data tokens: anything with a digit or an assignment, a path (`/var/log`, `C:\agent`, `src/app.ts`), a call
// such as `foo(bar);`, a dotted name such as `logging.warning`.
const codeLike =
  /\d|=|^[A-Za-z]:\\|[\w.~-][/\\][\w.-]|^[/\\]\w|^[\w.$]+\(.*\)[;,]?$|^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

/** Whether a whitespace-separated token reads as optimiser output rather than a word, code or punctuation. */
export function isOddToken(token: string): boolean {
  const core = token.replace(/^[(["'“‘*_]+/, '').replace(/[.,;:!?)\]"'”’*_]+$/, '');
  if (codeLike.test(token) || codeLike.test(core)) return false;
  if (core === '') return token.length > 2;
  return (
    /[^\p{L}\p{N}'’-]/u.test(core) ||
    // A lower-case word run into a capital (`similarlyNow`); brand names start upper-case (`HuggingFace`).
    /^\p{Ll}+\p{Lu}/u.test(core) ||
    /[bcdfghjklmnpqrstvwxz]{4,}/i.test(core) ||
    (/^[a-z]{3,}$/i.test(core) && !/[aeiouy]/i.test(core))
  );
}

/**
 * 0..1 strength of an adversarial suffix: twice the share of odd tokens among the last 20 (a tail that is half odd
 * scores 1), when the text holds a harmful goal; 0 otherwise.
 */
export function adversarialSuffixScore(text: string): number {
  if (harmfulGoalScore(text.slice(0, 4_000)) === 0) return 0;
  const tokens = text.slice(-2_000).trim().split(/\s+/).slice(-tailTokens);
  if (tokens.length < minTokens) return 0;
  return Math.min(1, (2 * tokens.filter(isOddToken).length) / tokens.length);
}
