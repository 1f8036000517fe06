import type { Finding } from '../detector.js';
import { cardBrand } from './card-brand.js';
import { hasContext } from './context-window.js';
import { luhnValid } from './luhn.js';
import { findDigitStretches, matchesInStretches, type DigitStretch } from './digit-stretches.js';
import { PII_RULES_DETECTOR } from './classes.js';

// 12–19 digits, optionally grouped by spaces or dashes; the lookarounds make the match a whole digit run.
const CANDIDATE = /(?<!\d[ -]?)\d(?:[ -]?\d){11,18}(?![ -]?\d)/g;
const CARD_CONTEXT = /\b(?:card|credit|debit|visa|master ?card|amex|american express|discover|pan|cc|cvv|expir\w*)\b/i;

/**
 * Finds payment card numbers (PANs).
 * SECURITY: any Luhn-valid PAN with a known brand is a PCI finding, with or without context;
 * Luhn failures are reported only near card words and with a confidence below the policy threshold.
 */
export function detectCard(text: string, stretches: readonly DigitStretch[] = findDigitStretches(text)): Finding[] {
  const out: Finding[] = [];
  // A candidate has 12+ digits inside one stretch; the lookarounds need two characters either side.
  for (const { match: m, start } of matchesInStretches(text, stretches, (s) => s.digits >= 12, CANDIDATE, 2, 2)) {
    const raw = m[0];
    const seps = raw.match(/[ -]/g);
    if (seps && new Set(seps).size > 1) continue;
    const digits = raw.replace(/[ -]/g, '');
    const end = start + raw.length;
    const brand = cardBrand(digits);
    const context = hasContext(text, start, end, CARD_CONTEXT);
    // 12 digits is a Maestro length, but also an ordinary reference number: only with card words or in groups of four.
    if (digits.length === 12 && !(context || /^\d{4}([ -])\d{4}\1\d{4}$/.test(raw))) continue;
    if (luhnValid(digits) && /[^0]/.test(digits)) {
      if (brand) {
        out.push({
          class: 'pii.payment_card',
          start,
          end,
          confidence: context ? 0.99 : 0.92,
          reason: `guard.pii.card_luhn_valid.${brand}`,
          detector: PII_RULES_DETECTOR,
        });
      } else if (context) {
        out.push({
          class: 'pii.payment_card',
          start,
          end,
          confidence: 0.7,
          reason: 'guard.pii.card_luhn_valid.unknown_brand',
          detector: PII_RULES_DETECTOR,
        });
      }
    } else if (context && brand) {
      out.push({
        class: 'pii.payment_card',
        start,
        end,
        confidence: 0.2,
        reason: 'guard.pii.card_luhn_invalid',
        detector: PII_RULES_DETECTOR,
      });
    }
  }
  return out;
}
