/** A 1-based line and column in a text. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** The line and column of a UTF-16 index into `text`. */
export function positionAtIndex(text: string, index: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(index, 0), text.length);
  for (let i = 0; i < end; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** The UTF-16 index of a UTF-8 byte offset into `text`; Cedar reports source locations as byte offsets. */
export function indexOfByteOffset(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, Math.max(byteOffset, 0)).toString('utf8').length;
}
