import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { bulwarkKeyChecksum } from '../../../lib/bulwark-key-checksum.js';
import { SECRETS_DETECTOR } from './classes.js';

// bwk_<env>_<26 Crockford base32 id>_<43 base64url secret><6 base62 checksum>
const BULWARK_KEY =
  /(?<![A-Za-z0-9_-])bwk_(?:live|test|dev)_[0-9a-hjkmnp-tv-z]{26}_[A-Za-z0-9_-]{43}[0-9A-Za-z]{6}(?![A-Za-z0-9_-])/g;

/** Finds Bulwark API keys; only keys whose CRC32/base62 checksum verifies are findings. */
export function detectBulwarkKey(text: string): Finding[] {
  if (!text.includes('bwk_')) return [];
  const out: Finding[] = [];
  for (const m of matchAllOf(BULWARK_KEY, text)) {
    const key = m[0];
    if (bulwarkKeyChecksum(key.slice(0, -6)) !== key.slice(-6)) continue;
    out.push({
      class: 'secret.bulwark_api_key',
      start: m.index,
      end: m.index + key.length,
      confidence: 0.99,
      reason: 'guard.secret.bulwark_key_checksum_valid',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
