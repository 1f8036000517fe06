import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { SECRETS_DETECTOR } from './classes.js';

// The body is bounded and lazy, so a BEGIN without END costs one bounded scan. Escaped "\n" (keys inside JSON) is body too.
const PEM =
  /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,16384}?-----END \1PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_UNTERMINATED =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:\s|\\n|\\r)*[A-Za-z0-9+/=]{16,}(?:(?:\s|\\n|\\r)+[A-Za-z0-9+/=]{4,}){0,256}/g;
const PPK = /PuTTY-User-Key-File-\d: [^\n]+\n[\s\S]{0,8192}?Private-MAC: [0-9a-f]+/g;

/** Finds private keys: PEM (RSA, EC, DSA, PKCS#8, encrypted), OpenSSH, PGP private key blocks and PuTTY keys. */
export function detectPrivateKey(text: string): Finding[] {
  if (!text.includes('PRIVATE KEY') && !text.includes('PuTTY-User-Key')) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(PEM, text)) {
    // An empty or near-empty body is a template, not a key.
    if ((m[0].replace(/-----[A-Z0-9 ]+-----/g, '').match(/[A-Za-z0-9+/=]/g)?.length ?? 0) < 16) continue;
    out.push({
      class: 'secret.private_key',
      start: m.index,
      end: m.index + m[0].length,
      confidence: 0.99,
      reason: 'guard.secret.private_key_block',
      detector: SECRETS_DETECTOR,
    });
  }
  for (const m of matchAllOf(PEM_UNTERMINATED, text)) {
    if (out.some((f) => f.start <= m.index && m.index < f.end)) continue;
    out.push({
      class: 'secret.private_key',
      start: m.index,
      end: m.index + m[0].length,
      confidence: 0.95,
      reason: 'guard.secret.private_key_truncated',
      detector: SECRETS_DETECTOR,
    });
  }
  for (const m of matchAllOf(PPK, text)) {
    out.push({
      class: 'secret.private_key',
      start: m.index,
      end: m.index + m[0].length,
      confidence: 0.99,
      reason: 'guard.secret.putty_key',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
