import type { Finding } from '../detector.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isPlaceholder } from './placeholder.js';
import { shannonEntropy } from './shannon-entropy.js';

const TOKEN = /(?<![A-Za-z0-9+/=_.-])[A-Za-z0-9+/_-]{20,1024}={0,2}(?![A-Za-z0-9+/=_-])/g;
const HEX = /^[0-9a-fA-F]+$/;
const HASH_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_WORD = /key|token|secret|pass|pwd|auth|cred|bearer|signature|private/i;
const HASH_WORD = /sha\d*|md5|hash|digest|checksum|commit|integrity|etag|fingerprint|sum\b/i;

function lineAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to === -1 ? text.length : to);
}

/**
 * Finds long random-looking tokens by Shannon entropy.
 * Hashes (hex of digest lengths), UUIDs, words, identifiers and paths are skipped; without a secret-ish word on the line
 * a token is reported below the policy threshold.
 */
export function detectHighEntropy(text: string): Finding[] {
  const out: Finding[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const token = m[0].replace(/=+$/, '');
    if (token.length < 20 || UUID.test(token) || isPlaceholder(token)) continue;
    if (!/\d/.test(token) || !/[A-Za-z]/.test(token)) continue;
    const line = lineAround(text, m.index, m.index + m[0].length).replace(m[0], '');
    const named = SECRET_WORD.test(line);
    const hex = HEX.test(token);
    if (hex && (HASH_LENGTHS.has(token.length) || HASH_WORD.test(line)) && !named) continue;
    // Paths and dotted/underscored identifiers: several purely alphabetic segments.
    const segments = token.split(/[/_.-]/);
    if (segments.length > 2 && segments.filter((s) => /^[A-Za-z]{3,}$/.test(s)).length >= segments.length / 2) continue;
    const entropy = shannonEntropy(token);
    const threshold = hex ? Math.min(3.0, 0.75 * Math.log2(token.length)) : Math.min(4.2, 0.85 * Math.log2(token.length));
    if (entropy < threshold) continue;
    if (!hex && !(/[a-z]/.test(token) && /[A-Z]/.test(token))) continue;
    out.push({
      class: 'secret.high_entropy', start: m.index, end: m.index + m[0].length,
      confidence: named ? 0.7 : 0.4,
      reason: named ? 'guard.secret.high_entropy_named' : 'guard.secret.high_entropy',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
