/**
 * True when `words` matches within `before` characters before `start` or `after` characters after `end`.
 * `words` must not be global or sticky, so it keeps no state between calls.
 */
export function hasContext(text: string, start: number, end: number, words: RegExp, before = 48, after = 24): boolean {
  const window = text.slice(Math.max(0, start - before), start);
  // Context belongs to the same sentence: drop everything up to the last sentence break.
  const cut = window.search(/[.!?]\s+\p{Lu}[^.!?\n]*$|\n[^\n]*$/u);
  if (words.test(cut === -1 ? window : window.slice(cut + 1))) return true;
  return after > 0 && words.test(text.slice(end, Math.min(text.length, end + after)));
}
