import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { SECRETS_DETECTOR } from './classes.js';

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*(?![A-Za-z0-9_-])/g;

function headerHasAlg(b64url: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(b64url, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** Finds JSON Web Tokens: three base64url parts whose header decodes to JSON with an `alg`. */
export function detectJwt(text: string): Finding[] {
  // A single-character search is far cheaper than a three-character one starting with 'e' (the commonest letter).
  if (!text.includes('J') || !text.includes('eyJ')) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(JWT, text)) {
    const header = m[0].slice(0, m[0].indexOf('.'));
    if (!headerHasAlg(header)) continue;
    const signed = !m[0].endsWith('.');
    out.push({
      class: 'secret.jwt',
      start: m.index,
      end: m.index + m[0].length,
      confidence: signed ? 0.9 : 0.75,
      reason: 'guard.secret.jwt',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
