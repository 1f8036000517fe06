import { describe, expect, it } from 'vitest';
import { matchAllOf } from '../pipeline/match-all.js';
import { findDigitStretches, matchesInStretches } from './digit-stretches.js';

const SAMPLES = [
  'Card 4111 1111 1111 1111, SSN 123-45-6789 and 078.05.1120, host 10.0.4.17/24 (v1.2.3.4), call +1 (415) 555-2671 x12.',
  '1234567890123 12-34-5678 999-99-9999 1.2.3.4.5 192.168.001.1 00-1234-5678-9012-3456 (555)123-4567 12 34 56 78 90 12',
];
const CARD = /(?<!\d[ -]?)\d(?:[ -]?\d){11,18}(?![ -]?\d)/g;
const SSN = /(?<![\d\-.])(\d{3})([- .]?)(\d{2})\2(\d{4})(?![\d]|[-.]\d)/g;
const IPV4 = /(?<![\d.]|\d\.)(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;

describe('digit stretches', () => {
  it.each(SAMPLES)('windowed matches equal full-text matches in %j', (text) => {
    const stretches = findDigitStretches(text);
    const windowed = (
      re: RegExp,
      keep: Parameters<typeof matchesInStretches>[2],
      before: number,
      after: number,
    ): string[] =>
      [...matchesInStretches(text, stretches, keep, re, before, after)].map(
        ({ match, start }) => `${start}:${match[0]}`,
      );
    const full = (re: RegExp): string[] => matchAllOf(re, text).map((m) => `${m.index}:${m[0]}`);
    expect(windowed(CARD, (s) => s.digits >= 12, 2, 2)).toEqual(full(CARD));
    expect(windowed(SSN, (s) => s.digits >= 9, 1, 2)).toEqual(full(SSN));
    expect(windowed(IPV4, (s) => s.dots >= 3 && s.digits >= 4, 2, 2)).toEqual(full(IPV4));
  });

  it('matchAllOf returns what matchAll returns and resets lastIndex', () => {
    const re = /\d+/g;
    re.lastIndex = 5;
    expect(matchAllOf(re, 'a1b22c333').map((m) => [m.index, m[0]])).toEqual(
      [...'a1b22c333'.matchAll(/\d+/g)].map((m) => [m.index, m[0]]),
    );
    expect(re.lastIndex).toBe(0);
    expect(matchAllOf(/x*/g, 'ab').length).toBe(3);
  });
});
