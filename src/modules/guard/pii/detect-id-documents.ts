import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { PII_RULES_DETECTOR } from './classes.js';

// A context word, up to ~24 characters of label ("number:", "no.", "#"), then an alphanumeric id with a digit.
const PASSPORT = /\bpassport\b[^\n\d]{0,24}?\b(?=[A-Z0-9]{0,8}\d)([A-Z0-9]{6,9})\b/gi;
const DRIVERS_LICENSE =
  /\b(?:driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|DL|DLN|licen[cs]e\s+(?:no|number|#))\b[^\n\d]{0,24}?\b(?=[A-Z0-9-]{0,17}\d)([A-Z0-9][A-Z0-9-]{4,16}[A-Z0-9])\b/gi;

function collect(text: string, re: RegExp, cls: string, reason: string): Finding[] {
  const out: Finding[] = [];
  for (const m of matchAllOf(re, text)) {
    const id = m[1];
    if (id === undefined || !/\d/.test(id)) continue;
    const start = m.index + m[0].length - id.length;
    out.push({ class: cls, start, end: start + id.length, confidence: 0.8, reason, detector: PII_RULES_DETECTOR });
  }
  return out;
}

/** Finds passport and driver's licence numbers introduced by a context word. */
export function detectIdDocuments(text: string): Finding[] {
  return [
    ...collect(text, PASSPORT, 'pii.passport', 'guard.pii.passport_with_context'),
    ...collect(text, DRIVERS_LICENSE, 'pii.drivers_license', 'guard.pii.drivers_license_with_context'),
  ];
}
