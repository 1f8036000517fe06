/** Most characters in one chunk: small enough to quote several in a prompt, large enough to carry a paragraph. */
export const MAX_CHUNK_CHARS = 1_000;

// A chunk ends at the last paragraph break, else line break, else sentence end, else space inside its window, as
// long as that leaves at least half a window; otherwise it is cut at the window (a long word or a run of symbols).
const BREAKS: readonly RegExp[] = [/\n\s*\n/g, /\n/g, /[.!?]\s/g, /\s/g];

function cutPoint(window: string): number {
  for (const pattern of BREAKS) {
    let last = -1;
    for (const match of window.matchAll(pattern)) last = match.index + match[0].length;
    if (last >= window.length / 2) return last;
  }
  return window.length;
}

/**
 * Splits a text into contiguous slices of at most `max` characters, cut at natural breaks. INVARIANT: the slices
 * joined in order are the text, so a document is stored once (as its chunks) and read back exactly.
 */
export function chunkText(text: string, max: number = MAX_CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    if (text.length - start <= max) {
      chunks.push(text.slice(start));
      break;
    }
    let end = start + cutPoint(text.slice(start, start + max));
    // Never split a surrogate pair: the half would not be valid text for the guard or the provider.
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff && end - start > 1) end -= 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}
