import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isPlaceholder } from './placeholder.js';

// scheme://user:password@host — the finding covers the password only.
const URL_CREDENTIALS = /\b[a-zA-Z][a-zA-Z0-9+.-]{1,30}:\/\/([^\s:@/?#'"]{0,128}):([^\s@/?#'"]{1,256})@[^\s/@'"]/g;

/** Finds passwords embedded in URLs and connection strings (`postgres://user:pass@host`). */
export function detectUrlCredentials(text: string): Finding[] {
  if (!text.includes('://')) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(URL_CREDENTIALS, text)) {
    const password = m[2];
    if (password === undefined) continue;
    // The password is the last capture before '@host'; its offset is fixed by the match end.
    const start = m.index + m[0].length - 2 - password.length;
    const placeholder = isPlaceholder(password) || /^[*x•]+$/i.test(password);
    if (placeholder) continue;
    out.push({
      class: 'secret.url_password',
      start,
      end: start + password.length,
      confidence: 0.9,
      reason: 'guard.secret.url_credentials',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
