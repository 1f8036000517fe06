import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { PII_RULES_DETECTOR } from './classes.js';

const MONTH =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';
const WEEKDAY = '(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\\.?,?\\s+)?';
const TIME = '(?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:[.,]\\d{1,9})?)?(?:\\s?[AaPp]\\.?[Mm]\\.?(?![A-Za-z]))?';
const ZONE = '(?:\\s?(?:Z|UTC|GMT|[+-](?:[01]\\d|2[0-3]):?[0-5]\\d))?';
const NUMERIC = new RegExp(
  [
    // ISO 8601 / RFC 3339 dates and date-times, also with a space for the T (log lines).
    `(?<![\\d.-])\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])(?:[T ]${TIME}${ZONE})?(?![\\d-])`,
    // Day/month/year in either order, 4- or 2-digit year.
    `(?<![\\d./-])(?:0?[1-9]|[12]\\d|3[01])[/.-](?:0?[1-9]|[12]\\d|3[01])[/.-](?:\\d{4}|\\d{2})(?![\\d/-]|\\.\\d)`,
    // Clock times: 14:30, 09:15:42, 3:30 pm, 7 a.m.
    `(?<![\\d:.])${TIME}(?![\\d:])`,
    `(?<![\\d])(?:1[0-2]|0?[1-9])\\s?[AaPp]\\.?[Mm]\\.?(?![A-Za-z])`,
  ].join('|'),
  'g',
);
const WORDS = new RegExp(
  [
    `\\b${WEEKDAY}${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}\\b`,
    `\\b${WEEKDAY}\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+\\d{4}\\b`,
  ].join('|'),
  'g',
);
const MONTH_GATE = /Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec/;
// Every numeric alternative starts with a digit that follows no digit: the pattern is tried (sticky) only at the
// start of each digit run, not at every position of the text.
const NUMERIC_AT = new RegExp(NUMERIC.source, 'y');

// After the run of digits there must be a date/time separator and a digit, or an am/pm marker: most numbers ("120 ms",
// "3 nodes") fail this check and never reach the regex.
function mayStartDateTime(text: string, at: number): boolean {
  let j = at;
  while (j < text.length && j - at < 4 && isDigit(text.charCodeAt(j))) j++;
  const c = text.charCodeAt(j);
  if ((c === 45 || c === 47 || c === 46 || c === 58) && isDigit(text.charCodeAt(j + 1))) return true;
  const k = c === 32 ? j + 1 : j;
  const a = text.charCodeAt(k) | 0x20;
  return a === 97 || a === 112; // a / p
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function numericMatches(text: string): { index: number; raw: string }[] {
  const out: { index: number; raw: string }[] = [];
  let prevDigit = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    if (digit && !prevDigit && mayStartDateTime(text, i)) {
      NUMERIC_AT.lastIndex = i;
      const m = NUMERIC_AT.exec(text);
      if (m !== null) {
        out.push({ index: i, raw: m[0] });
        i += m[0].length - 1;
        prevDigit = true;
        continue;
      }
    }
    prevDigit = digit;
  }
  return out;
}

/** Finds dates and times: ISO 8601 dates and date-times, numeric and written-out dates, clock times. */
export function detectDateTime(text: string): Finding[] {
  const out: Finding[] = [];
  const found = numericMatches(text);
  if (MONTH_GATE.test(text)) for (const m of matchAllOf(WORDS, text)) found.push({ index: m.index, raw: m[0] });
  // The two passes may overlap (a time inside a written-out date-time): keep the longest match of each overlap.
  found.sort((a, b) => a.index - b.index || b.raw.length - a.raw.length);
  let end = -1;
  for (const m of found) {
    if (m.index < end) continue;
    end = m.index + m.raw.length;
    const raw = m.raw;
    // A bare "3:30" or "10:15" is a time only in a sentence; "1:2" ratios never match (two-digit minutes).
    out.push({
      class: 'pii.date_time',
      start: m.index,
      end: m.index + raw.length,
      confidence: /^\d{1,2}:\d{2}$/.test(raw) ? 0.55 : 0.75,
      reason: 'guard.pii.date_time',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
