/** A piece of a text with its UTF-16 offsets (end exclusive). */
export interface TextChunk {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Splits `text` into windows of at most `size` characters that overlap by `overlap`, so a classifier that reads a
 * bounded number of tokens sees every part of a long text (a phrase on a boundary is whole in one of the windows).
 * A window never ends between the two halves of a surrogate pair.
 */
export function splitIntoChunks(text: string, size: number, overlap: number): TextChunk[] {
  const chunks: TextChunk[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    chunks.push({ text: text.slice(start, end), start, end });
    if (end === text.length) break;
    start = Math.max(start + 1, end - overlap);
    if (isLowSurrogate(text.charCodeAt(start))) start -= 1;
  }
  return chunks;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
