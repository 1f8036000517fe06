import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isPlaceholder } from './placeholder.js';

const AUTH_HEADER = /\b(?:Bearer|Token)\s+([A-Za-z0-9._~+/-]{16,}=*)/g;
const BASIC = /\bBasic\s+([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/g;
// `Authorization: <anything>` in headers, curl -H and HTTP dumps: the value is a credential whatever its scheme.
const AUTH_ANY =
  /\b(?:Authorization|X-Api-Key|X-Auth-Token|Api-Key|X-Access-Token|PRIVATE-TOKEN|X-Vault-Token)\s*:\s*(?:(?:Bearer|Basic|Token|Digest|ApiKey|Key)\s+)?([^\s'"\\,;]{8,512})/gi;

// Case-sensitive literals are far cheaper to scan for than the case-insensitive header alternation.
const AUTH_ANY_GATE = /[Aa]uthorization|AUTHORIZATION|[Aa]pi-[Kk]ey|API-KEY|-[Tt]oken|-TOKEN/;

function basicHasCredential(b64: string): boolean {
  const s = Buffer.from(b64, 'base64').toString('utf8');
  return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(s) && s.length >= 3;
}

/** Finds credentials in `Authorization` headers (Bearer, Basic, Token or any scheme) and API-key headers. */
export function detectBearer(text: string): Finding[] {
  const out: Finding[] = [];
  const push = (start: number, value: string, confidence: number): void => {
    out.push({
      class: 'secret.bearer_token',
      start,
      end: start + value.length,
      confidence,
      reason: 'guard.secret.authorization_header',
      detector: SECRETS_DETECTOR,
    });
  };
  for (const m of matchAllOf(AUTH_HEADER, text)) {
    const value = m[1];
    if (value === undefined || isPlaceholder(value) || !/\d/.test(value)) continue;
    push(m.index + m[0].length - value.length, value, 0.85);
  }
  for (const m of matchAllOf(BASIC, text)) {
    const value = m[1];
    if (value === undefined || isPlaceholder(value) || !basicHasCredential(value)) continue;
    push(m.index + m[0].length - value.length, value, 0.85);
  }
  if (!AUTH_ANY_GATE.test(text)) return out;
  for (const m of matchAllOf(AUTH_ANY, text)) {
    const value = m[1];
    if (value === undefined || isPlaceholder(value) || /^[$%{<]/.test(value)) continue;
    if (!/\d/.test(value) && !/[A-Z]/.test(value)) continue;
    push(m.index + m[0].length - value.length, value, 0.8);
  }
  return out;
}
