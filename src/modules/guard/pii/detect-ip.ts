import { isIP } from 'node:net';
import type { Finding } from '../detector.js';
import { PII_RULES_DETECTOR } from './classes.js';

const IPV4 = /(?<![\d.]|\d\.)(?:\d{1,3}\.){3}\d{1,3}(?![\d]|\.\d)/g;
// Hex groups and colons (and a trailing dotted quad); node:net decides what is really an address.
const IPV6 = /(?<![A-Za-z0-9:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![A-Za-z0-9:])/g;
// Cheap gate: an IPv6 address has two colons at most four hex digits apart.
const IPV6_GATE = /:[0-9A-Fa-f]{0,4}:/;
const VERSION_BEFORE = /\b(?:v|version|ver\.?|release|build)\s*$/i;

/** Finds IPv4 and IPv6 addresses, validated by node:net. */
export function detectIp(text: string): Finding[] {
  const out: Finding[] = [];
  if (IPV6_GATE.test(text)) {
    for (const m of text.matchAll(IPV6)) {
      const raw = m[0];
      if (raw.length < 3 || !/[0-9A-Fa-f]/.test(raw) || isIP(raw) !== 6) continue;
      out.push({ class: 'pii.ip_address', start: m.index, end: m.index + raw.length, confidence: 0.9, reason: 'guard.pii.ipv6', detector: PII_RULES_DETECTOR });
    }
  }
  if (text.includes('.')) {
    for (const m of text.matchAll(IPV4)) {
      if (isIP(m[0]) !== 4 || out.some((f) => f.start <= m.index && m.index < f.end)) continue;
      if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 10), m.index))) continue;
      out.push({ class: 'pii.ip_address', start: m.index, end: m.index + m[0].length, confidence: 0.9, reason: 'guard.pii.ipv4', detector: PII_RULES_DETECTOR });
    }
  }
  return out;
}
