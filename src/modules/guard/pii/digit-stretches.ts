/**
 * A maximal stretch of the characters numbers are written with (digits, whitespace, `( ) . - +`, no-break space),
 * starting at a digit, '+' or '('. Card, SSN, IPv4 and phone candidates each lie inside one stretch, so those
 * detectors run their own patterns only on short windows around stretches with enough digits.
 */
export interface DigitStretch {
  readonly start: number;
  readonly end: number;
  readonly digits: number;
  readonly dots: number;
}

const STRETCH = /[+(\d][\d\s().\-\u00A0+]*/g;

/** Finds every digit stretch of `text` in one pass (the shared pre-scan of the PII rules). */
export function findDigitStretches(text: string): DigitStretch[] {
  const out: DigitStretch[] = [];
  STRETCH.lastIndex = 0;
  for (let s = STRETCH.exec(text); s !== null; s = STRETCH.exec(text)) {
    const stretch = s[0];
    let digits = 0;
    let dots = 0;
    for (let i = 0; i < stretch.length; i++) {
      const c = stretch.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
      else if (c === 46) dots++;
    }
    if (digits === 0) continue;
    out.push({ start: s.index, end: s.index + stretch.length, digits, dots });
  }
  return out;
}

/**
 * Matches of a global `pattern` whose matches never leave a stretch, found only in stretches that pass `keep`.
 * Each window adds `before`/`after` characters of context so lookarounds see what they would see in the full text;
 * matches starting outside the stretch are dropped. Same matches, in the same order, as `text.matchAll(pattern)`.
 */
export function* matchesInStretches(
  text: string,
  stretches: readonly DigitStretch[],
  keep: (s: DigitStretch) => boolean,
  pattern: RegExp,
  before: number,
  after: number,
): Generator<{ match: RegExpExecArray; start: number }> {
  for (const s of stretches) {
    if (!keep(s)) continue;
    const from = Math.max(0, s.start - before);
    const window = text.slice(from, Math.min(text.length, s.end + after));
    pattern.lastIndex = 0;
    for (let m = pattern.exec(window); m !== null; m = pattern.exec(window)) {
      const start = from + m.index;
      if (m[0] === '') pattern.lastIndex++;
      if (start < s.start) continue;
      if (start >= s.end) break;
      yield { match: m, start };
    }
  }
}
