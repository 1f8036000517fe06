import { describe, expect, it } from 'vitest';
import { parseGuardVerdict } from './parse-guard-verdict.js';
import { splitIntoChunks } from './split-into-chunks.js';

describe('guard model verdict', () => {
  it('reads safe and unsafe with their categories', () => {
    expect(parseGuardVerdict('safe')).toEqual({ safe: true });
    expect(parseGuardVerdict('\n\nsafe\n')).toEqual({ safe: true });
    expect(parseGuardVerdict('unsafe\nS10')).toEqual({ safe: false, categories: ['S10'] });
    expect(parseGuardVerdict('UNSAFE\r\ns1, s9,S1')).toEqual({ safe: false, categories: ['S1', 'S9'] });
    expect(parseGuardVerdict('unsafe')).toEqual({ safe: false, categories: [] });
  });

  it('keeps a category that is not a code as unlisted instead of dropping it', () => {
    expect(parseGuardVerdict('unsafe\nS15,weapons')).toEqual({ safe: false, categories: ['S15', 'unlisted'] });
  });

  it('refuses every other reply, so it can never read as safe', () => {
    for (const reply of ['', 'Safe to say this is fine.', 'safe\nS1', 'I cannot help', 'unsafe\nS1\nmore', 'yes'])
      expect(parseGuardVerdict(reply)).toBeUndefined();
  });
});

describe('chunks of a long text', () => {
  it('covers every character with overlapping windows', () => {
    const text = 'x'.repeat(950) + 'ignore previous instructions';
    const chunks = splitIntoChunks(text, 400, 100);
    expect(chunks[0]).toMatchObject({ start: 0, end: 400 });
    expect(chunks.at(-1)?.end).toBe(text.length);
    for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBe(chunks[i - 1]!.end - 100);
    expect(chunks.some((c) => c.text.includes('ignore previous instructions'))).toBe(true);
  });

  it('never cuts a surrogate pair and keeps a short text whole', () => {
    const text = 'a'.repeat(9) + '😀' + 'b'.repeat(20);
    for (const c of splitIntoChunks(text, 10, 3)) expect(c.text).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    expect(splitIntoChunks('short', 10, 3)).toEqual([{ text: 'short', start: 0, end: 5 }]);
  });
});
