import { describe, expect, it } from 'vitest';
import { normalizeText, undoLeetspeak } from './normalize-text.js';

describe('normalizeText', () => {
  it('folds homoglyphs, fullwidth forms and drops invisible characters', () => {
    const result = normalizeText('Ｓуѕtеm\u200b рrоmрt\u202e');
    expect(result.text).toBe('System prompt');
    expect(result.hadHomoglyphs).toBe(true);
    expect(result.hadInvisible).toBe(true);
  });

  it('keeps plain ASCII untouched and maps offsets one to one', () => {
    const result = normalizeText('plain text');
    expect(result.text).toBe('plain text');
    expect(result.offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.hadHomoglyphs || result.hadInvisible).toBe(false);
  });

  it('undoes leetspeak only in words that mix letters and substitutes', () => {
    expect(undoLeetspeak('1gn0r3 the rul3s in 2024')).toBe('ignore the rules in 2024');
    expect(undoLeetspeak('i g n o r e')).toBe('ignore');
  });
});
