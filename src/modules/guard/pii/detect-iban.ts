import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { ibanLength, ibanValid } from './iban-checksum.js';
import { PII_RULES_DETECTOR } from './classes.js';

// Country, check digits, then alphanumerics optionally grouped in fours by single spaces.
const GATE = /[A-Z]{2}\d{2}/;
const CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}/g;

/** Finds IBANs, validated by the country length table and the mod-97 checksum. */
export function detectIban(text: string): Finding[] {
  if (!GATE.test(text)) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(CANDIDATE, text)) {
    const raw = m[0];
    const expected = ibanLength(raw.slice(0, 2));
    if (expected === undefined) continue;
    // Take exactly `expected` alphanumerics: the candidate may run into the following word.
    let count = 0;
    let cut = 0;
    while (cut < raw.length && count < expected) {
      if (raw[cut] !== ' ') count++;
      cut++;
    }
    if (count < expected) continue;
    const next = text.charCodeAt(m.index + cut);
    if (!Number.isNaN(next) && /[A-Za-z0-9]/.test(String.fromCharCode(next))) continue;
    const compact = raw.slice(0, cut).replace(/ /g, '');
    if (!ibanValid(compact)) continue;
    out.push({
      class: 'pii.iban',
      start: m.index,
      end: m.index + cut,
      confidence: 0.97,
      reason: 'guard.pii.iban_mod97_valid',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
