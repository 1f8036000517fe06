import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Finding } from '../detector.js';
import { hasContext } from './context-window.js';
import { PII_RULES_DETECTOR } from './classes.js';

// Candidates: an optional +/00 prefix, digit groups joined by one separator (or a parenthesised group), optional extension.
// Either two or more groups or one run of 7+ digits, so short lone numbers are not even candidates.
// A digit group never ends before a digit and separators are not optional between plain groups, so a digit run
// splits one way only and the pattern cannot backtrack combinatorially.
const GROUP = String.raw`(?:\(\d{1,5}\)|\d{1,12}(?!\d))`;
const CANDIDATE = new RegExp(
  String.raw`(?<![A-Za-z0-9+.\-/])(?:\+|\b00)?(?:${GROUP}(?:(?:[ .\-\u00A0]|(?<=\))\s?|(?=\())${GROUP}){1,6}|\d{7,15}(?!\d))(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?(?![A-Za-z0-9]|[.\-/]\d)`,
  'gi',
);
const PHONE_CONTEXT = /\b(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|text me|contact|reach|number|dial)\b/i;
const DATE_SHAPE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const ID_BEFORE = /(?:#|\b(?:order|invoice|account|acct|ref|reference|id|ticket|tracking|case|serial|sku|po)\b\s*(?:no\.?|number)?)\s*[:#]?\s*$/i;
const VERSION_CONTEXT = /\b(?:v|version|release|build|ver)\.?\s*$/i;

/** Finds phone numbers: international (+, 00) and national formats with `region` as the default country. */
export function detectPhone(text: string, region: CountryCode = 'US'): Finding[] {
  const out: Finding[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const raw = m[0];
    const start = m.index;
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
    const parsed = parsePhoneNumberFromString(normalized, region);
    if (!parsed || !parsed.isPossible()) continue;
    const valid = parsed.isValid();
    // A bare digit run is a phone number only when the numbering plan says it is a real one.
    if (plain && !valid) continue;
    let confidence = valid ? 0.85 : 0.6;
    if (international) confidence += 0.05;
    if (context) confidence += 0.1;
    if (!separated && !international) confidence -= context ? 0.15 : 0.3;
    out.push({
      class: 'pii.phone', start, end,
      confidence: Math.min(0.99, confidence),
      reason: valid ? 'guard.pii.phone_valid' : 'guard.pii.phone_possible',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
