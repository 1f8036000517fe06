import { randomBytes } from 'node:crypto';
import { bulwarkKeyChecksum } from '../../src/lib/bulwark-key-checksum.js';

/**
 * Environment of a test server for the throttling suites: on Redis when REDIS_URL is set (as CI does), in
 * process otherwise. Each call gets its own Redis key prefix unless one is given, so test files never share
 * counters by accident; two servers given the same prefix share them on purpose.
 */
export function throttleEnv(
  overrides: Record<string, string> = {},
  prefix = `bulwark-test-${randomBytes(6).toString('hex')}`,
): Record<string, string> {
  return {
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    BULWARK_AUTH_THROTTLE_KEY_PREFIX: prefix,
    ...overrides,
  };
}

/** The Redis of this run, when REDIS_URL is set (as CI does). */
export const testRedisUrl = process.env.REDIS_URL;

/** Which store the counters live in for this run, for test titles. */
export const throttleStore = process.env.REDIS_URL ? 'redis' : 'in-process';

/** A well-formed key (valid checksum) for `keyId` with a random, wrong secret. */
export function forgedKey(keyId: string, env = 'test'): string {
  const body = `bwk_${env}_${keyId.slice('key_'.length)}_${randomBytes(32).toString('base64url')}`;
  return `${body}${bulwarkKeyChecksum(body)}`;
}

/** A well-formed key for a random key id that does not exist. */
export function unknownKey(env = 'test'): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const id = Array.from(randomBytes(26), (b) => alphabet[b % 32]).join('');
  return forgedKey(`key_${id}`, env);
}

/** The key id of a token. */
export function keyIdOf(token: string): string {
  return `key_${token.split('_')[2] ?? ''}`;
}
