import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes: 256 bits, base64url (43 characters). */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A new single-use link token (for an invitation or a password reset) and the hash that is stored of it. */
export function newLinkToken(): { token: string; hash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: sha256Hex(token) };
}

/**
 * The stored form of a link token: its SHA-256 in hex. SECURITY: 256 random bits need no slow hash; a database
 * reader sees hashes only, which open nothing. Returns undefined for anything that cannot be a token, so a malformed
 * path is never looked up.
 */
export function hashLinkToken(token: string): string | undefined {
  return TOKEN_FORMAT.test(token) ? sha256Hex(token) : undefined;
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
