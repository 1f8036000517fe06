import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { PII_RULES_DETECTOR } from './classes.js';
import { detectInternationalAddress } from './detect-address-international.js';

const STREET_TYPE =
  '(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Alley|Row|Crescent|Close|Plaza|Loop|Pike|Run|Walk|Mews|Gardens|Grove|Hill)';
const WORD = "[\\p{Lu}\\d][\\p{L}'\\-]*";
// Number, 1–4 capitalised words, street type, then optional unit, city, state and ZIP.
const US_ADDRESS = new RegExp(
  `\\b\\d{1,6}[A-Za-z]?\\s+(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\\.?\\s+)?(?:${WORD}\\s+){1,4}${STREET_TYPE}\\b\\.?` +
    `(?:,?\\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|#)\\.?\\s*#?[\\w-]{1,6})?` +
    `(?:,\\s*\\p{Lu}[\\p{L}.'\\-]*(?:\\s\\p{Lu}[\\p{L}.'\\-]*){0,3})?` +
    `(?:,\\s*[A-Z]{2}\\b)?(?:,?\\s+\\d{5}(?:-\\d{4})?\\b)?`,
  'gu',
);
// A flat or unit before the house number (UK style: "Flat 4, 22 Baker Street") joins the address.
const UNIT_BEFORE = /(?:Flat|Apartment|Apt|Unit)\s+\d{1,4}[A-Za-z]?,?\s+$/;
const UK_POSTCODE = /\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}\b/g;

/** Finds postal addresses: US/UK-style street addresses (with unit, city, state, ZIP), UK postcodes, European formats and US military addresses. */
export function detectAddress(text: string): Finding[] {
  const out: Finding[] = detectInternationalAddress(text);
  for (const m of matchAllOf(US_ADDRESS, text)) {
    const raw = m[0].replace(/[,.\s]+$/, '');
    const unit = UNIT_BEFORE.exec(text.slice(Math.max(0, m.index - 24), m.index));
    const start = m.index - (unit?.[0].length ?? 0);
    out.push({
      class: 'pii.address',
      start,
      end: m.index + raw.length,
      confidence: 0.8,
      reason: 'guard.pii.street_address',
      detector: PII_RULES_DETECTOR,
    });
  }
  for (const m of matchAllOf(UK_POSTCODE, text)) {
    if (!/\d/.test(m[0].slice(0, 4))) continue;
    out.push({
      class: 'pii.address',
      start: m.index,
      end: m.index + m[0].length,
      confidence: 0.7,
      reason: 'guard.pii.uk_postcode',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
