import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { LRUCache } from 'lru-cache';
import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { hasContext } from './context-window.js';
import { PII_RULES_DETECTOR } from './classes.js';
import { findDigitStretches, type DigitStretch } from './digit-stretches.js';
import { FALLBACK_REGIONS, regionsFromContext } from './phone-region.js';

// Candidates: an optional +/00 prefix, digit groups joined by one separator (or a parenthesised group), optional extension.
// Either two or more groups or one run of 7+ digits, so short lone numbers are not even candidates.
// A digit group never ends before a digit and separators are not optional between plain groups, so a digit run
// splits one way only and the pattern cannot backtrack combinatorially.
const GROUP = String.raw`(?:\(\d{1,5}\)|\d{1,12}(?!\d))`;
const CANDIDATE = new RegExp(
  String.raw`(?<![A-Za-z0-9+.\-/])(?:\+|\b00)?(?:${GROUP}(?:(?:[ .\-\u00A0]|(?<=\))\s?|(?=\())${GROUP}){1,6}|\d{7,15}(?!\d))(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?(?![A-Za-z0-9]|[.\-/]\d)`,
  'gi',
);
const PHONE_CONTEXT =
  /\b(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|text me|contact|reach|number|dial)\b/i;
const DATE_SHAPE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const ID_BEFORE =
  /(?:#|\b(?:order|invoice|account|acct|ref|reference|id|ticket|tracking|case|serial|sku|po)\b\s*(?:no\.?|number)?)\s*[:#]?\s*$/i;
const VERSION_CONTEXT = /\b(?:v|version|release|build|ver)\.?\s*$/i;

// Pre-scan (findDigitStretches): maximal stretches of the characters a phone number's core is made of. A candidate's
// core lies inside one stretch, so stretches with fewer than 7 digits are skipped and CANDIDATE runs only on short
// windows around the rest.
// Room after a stretch for an extension ("  extension 123456") and the closing lookahead.
const TAIL = 32;

// libphonenumber costs ~10 µs per call; conversation history and system prompts are re-sent with every turn, so the
// same numbers recur. SECURITY: keys are 53-bit hashes of the normalised candidate, so the cache holds no numbers.
const VERDICT_CACHE_SIZE = 2_048;
const verdicts = new LRUCache<number, 0 | 1 | 2>({ max: VERDICT_CACHE_SIZE });

function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** 0: not a possible number, 1: possible, 2: valid (numbering plan). */
function phoneVerdict(normalized: string, region: CountryCode): 0 | 1 | 2 {
  const key = hash53(`${region}|${normalized}`);
  const hit = verdicts.get(key);
  if (hit !== undefined) return hit;
  const parsed = parsePhoneNumberFromString(normalized, region);
  const verdict: 0 | 1 | 2 = !parsed || !parsed.isPossible() ? 0 : parsed.isValid() ? 2 : 1;
  verdicts.set(key, verdict);
  return verdict;
}

function* candidates(text: string, stretches: readonly DigitStretch[]): Generator<{ raw: string; start: number }> {
  for (const s of stretches) {
    if (s.digits < 7) continue;
    // The window starts one character early so CANDIDATE's lookbehind sees the real context.
    const from = Math.max(0, s.start - 1);
    const to = s.end;
    const window = text.slice(from, Math.min(text.length, to + TAIL));
    for (const m of matchAllOf(CANDIDATE, window)) {
      const start = from + m.index;
      if (start >= to) break;
      yield { raw: m[0], start };
    }
  }
}

/**
 * Finds phone numbers: international (+, 00) and national formats, with `region` as the default country and the
 * country named around the number (or, for trunk-prefixed numbers, a common country that accepts it) as fallback.
 */
export function detectPhone(
  text: string,
  region: CountryCode = 'US',
  stretches: readonly DigitStretch[] = findDigitStretches(text),
): Finding[] {
  const out: Finding[] = [];
  for (const { raw, start } of candidates(text, stretches)) {
    const end = start + raw.length;
    const digits = raw.replace(/\D/g, '');
    const core = raw.replace(/\s*(?:x|ext\.?|extension)\s*\d+$/i, '');
    const coreDigits = core.replace(/\D/g, '');
    if (coreDigits.length < 7 || coreDigits.length > 15 || digits.length > 21) continue;
    if (DATE_SHAPE.test(core.trim())) continue;
    if (VERSION_CONTEXT.test(text.slice(Math.max(0, start - 12), start))) continue;
    const international = core.startsWith('+') || core.startsWith('00');
    const separated = /[ .\-()\u00A0]/.test(core.trim());
    // Dotted quads and similar look like IPs or versions, not phones.
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(core)) continue;
    const context = hasContext(text, start, end, PHONE_CONTEXT, 40, 0);
    const plain = !international && !separated && !context;
    if (plain && (coreDigits.length < 10 || ID_BEFORE.test(text.slice(Math.max(0, start - 24), start)))) continue;
    const normalized = core.startsWith('00') ? `+${core.slice(2)}` : core;
    let verdict = phoneVerdict(normalized, region);
    // National formats: the region comes from the sentence (country, city, language) when the default region does
    // not accept the number; a trunk-prefixed (0…) separated number may also be any common country's.
    if (verdict < 2 && !international) {
      const regions = regionsFromContext(text, start, end);
      if (separated && /^\(?0/.test(core.trim())) regions.push(...FALLBACK_REGIONS);
      for (const r of regions) {
        if (r === region) continue;
        const v = phoneVerdict(normalized, r);
        if (v > verdict) verdict = v;
        if (verdict === 2) break;
      }
    }
    if (verdict === 0) continue;
    const valid = verdict === 2;
    // A bare digit run is a phone number only when the numbering plan says it is a real one.
    if (plain && !valid) continue;
    let confidence = valid ? 0.85 : 0.6;
    if (international) confidence += 0.05;
    if (context) confidence += 0.1;
    if (!separated && !international) confidence -= context ? 0.15 : 0.3;
    out.push({
      class: 'pii.phone',
      start,
      end,
      confidence: Math.min(0.99, confidence),
      reason: valid ? 'guard.pii.phone_valid' : 'guard.pii.phone_possible',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
