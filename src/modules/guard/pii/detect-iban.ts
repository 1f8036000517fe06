import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { ibanLength, ibanValid } from './iban-checksum.js';
import { PII_RULES_DETECTOR } from './classes.js';

// Country, check digits, then alphanumerics optionally grouped in fours by single spaces.
// Any case and any spacing: people write `de89 3704 0044 …`, `GB82WEST…` and `FR76  3000-6000 …` alike.
const GATE = /[A-Za-z]{2}\d{2}/;
const CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \t-]{0,2}[A-Za-z0-9]){10,30}/g;
const SEPARATOR = /[ \t-]/;

/** Finds IBANs in any case and spacing, validated by the country length table and the mod-97 checksum. */
export function detectIban(text: string): Finding[] {
  if (!GATE.test(text)) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(CANDIDATE, text)) {
    const raw = m[0];
    const expected = ibanLength(raw.slice(0, 2).toUpperCase());
    if (expected === undefined) continue;
    // Take exactly `expected` alphanumerics: the candidate may run into the following word.
    let count = 0;
    let cut = 0;
    while (cut < raw.length && count < expected) {
      if (!SEPARATOR.test(raw[cut] ?? ' ')) count++;
      cut++;
    }
    if (count < expected) continue;
    const next = text.charCodeAt(m.index + cut);
    if (!Number.isNaN(next) && /[A-Za-z0-9]/.test(String.fromCharCode(next))) continue;
    const compact = raw
      .slice(0, cut)
      .replace(/[ \t-]/g, '')
      .toUpperCase();
    // Mixed case inside the number is not how IBANs are written: all upper or all lower.
    if (/[a-z]/.test(raw.slice(0, cut)) && /[A-Z]/.test(raw.slice(0, cut))) continue;
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
