import { createHash, randomBytes } from 'node:crypto';

/** How many recovery codes a set holds. */
export const RECOVERY_CODE_COUNT = 10;

// 80 random bits are 16 base32 characters, shown as four groups of four.
const CODE_BYTES = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CANONICAL = /^[a-z2-7]{16}$/;

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** A new recovery code in canonical form: 80 random bits as 16 characters of lower-case base32. */
export function newRecoveryCode(): string {
  return base32(randomBytes(CODE_BYTES));
}

/** A canonical code as shown to the user: `xxxx-xxxx-xxxx-xxxx`. */
export function formatRecoveryCode(canonical: string): string {
  return (canonical.match(/.{1,4}/g) ?? []).join('-');
}

/** The canonical form of a code as typed (case, spaces and hyphens ignored), or undefined when it cannot be one. */
export function canonicalRecoveryCode(input: string): string | undefined {
  if (input.length > 64) return undefined;
  const canonical = input.toLowerCase().replace(/[\s-]/g, '');
  return CANONICAL.test(canonical) ? canonical : undefined;
}

/** The stored form of a code: the SHA-256 (hex) of its canonical form. */
// SECURITY: 80 random bits need no slow hash: guessing one code of 10 takes about 2^76 tries of SHA-256.
export function hashRecoveryCode(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
