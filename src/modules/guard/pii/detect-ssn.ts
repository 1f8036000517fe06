import type { Finding } from '../detector.js';
import { hasContext } from './context-window.js';
import { PII_RULES_DETECTOR } from './classes.js';
import { findDigitStretches, matchesInStretches, type DigitStretch } from './digit-stretches.js';

// The backreference makes both separators the same (dash, space, dot or none).
const CANDIDATE = /(?<![\d\-.])(\d{3})([- .]?)(\d{2})\2(\d{4})(?![\d]|[-.]\d)/g;
const SSN_CONTEXT = /\b(?:ssn|ss#|ss no|social security|social sec|soc\.? sec|tax ?id|tin|itin)\b/i;

/** True for SSNs in the issued ranges: area not 000, 666 or 900–999; group not 00; serial not 0000. */
export function ssnInValidRange(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

/** Finds US social security numbers; undashed numbers need a context word. */
export function detectSsn(text: string, stretches: readonly DigitStretch[] = findDigitStretches(text)): Finding[] {
  const out: Finding[] = [];
  // A candidate has 9 digits inside one stretch; the lookbehind needs one character before, the lookahead two after.
  for (const { match: m, start } of matchesInStretches(text, stretches, (s) => s.digits >= 9, CANDIDATE, 1, 2)) {
    const [raw, area = '', sep = '', group = '', serial = ''] = m;
    if (!ssnInValidRange(area, group, serial)) continue;
    const end = start + raw.length;
    const context = hasContext(text, start, end, SSN_CONTEXT, 40, 0);
    let confidence: number;
    if (sep === '-') confidence = context ? 0.97 : 0.85;
    else if (sep === '') confidence = context ? 0.85 : 0;
    else confidence = context ? 0.9 : 0.55;
    if (confidence === 0) continue;
    out.push({
      class: 'pii.ssn',
      start,
      end,
      confidence,
      reason: context ? 'guard.pii.ssn_with_context' : 'guard.pii.ssn_pattern',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
