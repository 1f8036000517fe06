import type { Finding } from '../detector.js';
import { PII_RULES_DETECTOR } from './classes.js';

// Anchored on '@': the local part is read backwards char by char, the domain with a sticky regex.
// The label classes exclude '.', so the domain repetition cannot backtrack badly.
const LOCAL_CHAR = /[\p{L}\p{N}._%+-]/u;
const DOMAIN =
  /@[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?)*\.\p{L}{2,24}(?![\p{L}\p{N}-])/uy;
const URL_BEFORE = /:\/\/[^\s@]*$/;
const PLACEHOLDER_DOMAIN = /@(?:example\.(?:com|org|net)|test\.com|domain\.com)$/i;

/** Finds e-mail addresses. Documentation domains (example.com) are reported with lower confidence. */
export function detectEmail(text: string): Finding[] {
  if (!text.includes('@')) return [];
  const out: Finding[] = [];
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text[start - 1] ?? '')) start--;
    while (start < at && '.-'.includes(text[start] ?? '')) start++;
    if (start === at || text[at - 1] === '.') continue;
    DOMAIN.lastIndex = at;
    const domain = DOMAIN.exec(text);
    if (domain === null) continue;
    const end = at + domain[0].length;
    // user:password@host inside a URL is a credential (the secret scanner's), not an address.
    if (URL_BEFORE.test(text.slice(Math.max(0, start - 256), start))) continue;
    const placeholder = PLACEHOLDER_DOMAIN.test(domain[0]);
    out.push({
      class: 'pii.email',
      start,
      end,
      confidence: placeholder ? 0.7 : 0.95,
      reason: placeholder ? 'guard.pii.email_example_domain' : 'guard.pii.email_pattern',
      detector: PII_RULES_DETECTOR,
    });
  }
  return out;
}
