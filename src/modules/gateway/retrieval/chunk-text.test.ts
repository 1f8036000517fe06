import { describe, expect, it } from 'vitest';
import { chunkText, MAX_CHUNK_CHARS } from './chunk-text.js';

describe('chunkText', () => {
  it('keeps a short text in one chunk', () => {
    expect(chunkText('A turtle called Sheldon.')).toEqual(['A turtle called Sheldon.']);
  });

  it('cuts at paragraph breaks first, and the chunks join back to the text', () => {
    const paragraph = 'Turtles are reptiles. '.repeat(30).trim();
    const text = [paragraph, paragraph, paragraph].join('\n\n');
    const chunks = chunkText(text);
    expect(chunks.join('')).toBe(text);
    expect(chunks.length).toBe(3);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('\n\n')).toBe(true);
  });

  it('cuts at sentence ends when a paragraph is longer than a chunk', () => {
    const text = 'Sheldon swims every morning in the pond. '.repeat(60);
    const chunks = chunkText(text);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('. ')).toBe(true);
  });

  it('cuts a text without breaks at the window', () => {
    const text = 'x'.repeat(2_500);
    expect(chunkText(text).map((c) => c.length)).toEqual([1_000, 1_000, 500]);
  });

  it('never splits a surrogate pair', () => {
    const text = `${'a'.repeat(9)}😀${'b'.repeat(9)}`;
    const chunks = chunkText(text, 10);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) expect(chunk).not.toMatch(/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/);
  });
});
