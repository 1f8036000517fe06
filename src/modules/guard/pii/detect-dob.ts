import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { hasContext } from './context-window.js';
import { PII_RULES_DETECTOR } from './classes.js';

const MONTH =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';
const DATE = new RegExp(
  [
    '\\b\\d{4}-\\d{1,2}-\\d{1,2}\\b',
    '\\b\\d{1,2}[/.\\-]\\d{1,2}[/.\\-](?:\\d{4}|\\d{2})\\b',
    `\\b${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}\\b`,
    `\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+\\d{4}\\b`,
  ].join('|'),
  'gi',
);
const DOB_CONTEXT = /\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|birthday|born|b\.|geb\.?|age)\b/i;

/** Finds dates of birth: dates with a birth context word shortly before or after. */
export function detectDob(text: string): Finding[] {
  if (!DOB_CONTEXT.test(text)) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(DATE, text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (!hasContext(text, start, end, DOB_CONTEXT, 40, 0)) continue;
    out.push({
      class: 'pii.dob',
      start,
      end,
      confidence: 0.85,
      reason: 'guard.pii.dob_with_context',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
