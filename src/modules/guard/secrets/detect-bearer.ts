import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isPlaceholder } from './placeholder.js';

const AUTH_HEADER = /\b(?:Bearer|Basic|Token)\s+([A-Za-z0-9._~+/-]{16,}=*)/g;

/** Finds credentials in `Authorization: Bearer …` / `Basic …` headers (curl commands, HTTP dumps). */
export function detectBearer(text: string): Finding[] {
  const out: Finding[] = [];
  for (const m of matchAllOf(AUTH_HEADER, text)) {
    const value = m[1];
    if (value === undefined || isPlaceholder(value) || !/\d/.test(value)) continue;
    const start = m.index + m[0].length - value.length;
    out.push({
      class: 'secret.bearer_token',
      start,
      end: start + value.length,
      confidence: 0.85,
      reason: 'guard.secret.authorization_header',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
