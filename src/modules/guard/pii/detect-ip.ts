import { isIP } from 'node:net';
import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { PII_RULES_DETECTOR } from './classes.js';
import { findDigitStretches, matchesInStretches, type DigitStretch } from './digit-stretches.js';

const IPV4 = /(?<![\d.]|\d\.)(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
// Hex groups and colons (and a trailing dotted quad); node:net decides what is really an address.
const IPV6 =
  /(?<![A-Za-z0-9:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![A-Za-z0-9:])/g;
// Cheap gate: an IPv6 address has two colons at most four hex digits apart (what /:[0-9A-Fa-f]{0,4}:/ finds), checked
// at each ':' found by a single-character search instead of a regex pass.
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
function hasIpv6Shape(text: string): boolean {
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
    for (let i = at + 1; i <= at + 5 && i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 58) return true;
      if (!isHex(c)) break;
    }
  }
  return false;
}
const VERSION_BEFORE = /\b(?:v|version|ver\.?|release|build)\s*$/i;

/** Finds IPv4 and IPv6 addresses, validated by node:net. */
export function detectIp(text: string, stretches?: readonly DigitStretch[]): Finding[] {
  const out: Finding[] = [];
  if (hasIpv6Shape(text)) {
    for (const m of matchAllOf(IPV6, text)) {
      const raw = m[0];
      if (raw.length < 3 || !/[0-9A-Fa-f]/.test(raw) || isIP(raw) !== 6) continue;
      out.push({
        class: 'pii.ip_address',
        start: m.index,
        end: m.index + raw.length,
        confidence: 0.9,
        reason: 'guard.pii.ipv6',
        detector: PII_RULES_DETECTOR,
      });
    }
  }
  if (text.includes('.')) {
    // A dotted quad lies inside one stretch with 3+ dots and 4+ digits; the lookarounds need two characters either side.
    const ipv4 = matchesInStretches(
      text,
      stretches ?? findDigitStretches(text),
      (s) => s.dots >= 3 && s.digits >= 4,
      IPV4,
      2,
      2,
    );
    for (const { match: m, start } of ipv4) {
      if (isIP(m[0]) !== 4 || out.some((f) => f.start <= start && start < f.end)) continue;
      if (VERSION_BEFORE.test(text.slice(Math.max(0, start - 10), start))) continue;
      out.push({
        class: 'pii.ip_address',
        start,
        end: start + m[0].length,
        confidence: 0.9,
        reason: 'guard.pii.ipv4',
        detector: PII_RULES_DETECTOR,
      });
    }
  }
  return out;
}
