import { randomBytes } from 'node:crypto';
import { bulwarkKeyChecksum } from '../../../lib/bulwark-key-checksum.js';
import type { ApiKeyId } from '../../../lib/ids.js';

/** Key environments: which deployment a key works in. */
export type KeyEnv = 'live' | 'test' | 'dev';

const KEY_PATTERN = /^bwk_(live|test|dev)_([0-9a-hjkmnp-tv-z]{26})_([A-Za-z0-9_-]{43})([0-9A-Za-z]{6})$/;

/** A freshly minted key: the full token (shown once) and its parts. */
export interface MintedKey {
  token: string;
  keyId: ApiKeyId;
  env: KeyEnv;
}

/**
 * Mints `bwk_<env>_<id>_<secret><checksum>`: a 256-bit base64url secret and a CRC32/base62 checksum, so
 * secret scanners (ours included) can recognise a leaked key without a database lookup.
 */
export function mintApiKey(keyId: ApiKeyId, env: KeyEnv): MintedKey {
  const body = `bwk_${env}_${keyId.slice('key_'.length)}_${randomBytes(32).toString('base64url')}`;
  return { token: `${body}${bulwarkKeyChecksum(body)}`, keyId, env };
}

/** The parts of a presented key, or undefined when it is malformed or its checksum fails. */
export function parseApiKey(token: string): { keyId: ApiKeyId; env: KeyEnv } | undefined {
  const match = KEY_PATTERN.exec(token);
  if (!match) return undefined;
  const [, env, idBody, secret, checksum] = match as unknown as [string, KeyEnv, string, string, string];
  if (bulwarkKeyChecksum(`bwk_${env}_${idBody}_${secret}`) !== checksum) return undefined;
  return { keyId: `key_${idBody}` as ApiKeyId, env };
}

/** The key environment of a deployment environment. */
export function keyEnvFor(environment: 'development' | 'test' | 'production'): KeyEnv {
  return environment === 'production' ? 'live' : environment === 'test' ? 'test' : 'dev';
}
