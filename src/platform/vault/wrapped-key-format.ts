import { AppError } from '../../lib/errors/index.js';

/** AES-GCM nonce length in bytes (96 bits, the size GCM is specified for). */
export const GCM_IV_BYTES = 12;
/** AES-GCM authentication tag length in bytes (128 bits). */
export const GCM_TAG_BYTES = 16;

const SCHEME = 'a256gcm';

/** A wrapped DEK split into its parts. */
export interface WrappedParts {
  readonly iv: Buffer;
  /** Ciphertext followed by the 16-byte tag, as PKCS#11 returns it. */
  readonly sealed: Buffer;
}

/** Serialises a wrapped DEK as `a256gcm.<base64url(iv)>.<base64url(ciphertext||tag)>`. */
export function formatWrappedKey(parts: WrappedParts): string {
  return `${SCHEME}.${parts.iv.toString('base64url')}.${parts.sealed.toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Parses a wrapped DEK; anything malformed fails as `vault.decrypt_failed`, like a forged one. */
export function parseWrappedKey(text: string): WrappedParts {
  const [scheme, iv, sealed, extra] = text.split('.');
  if (
    scheme !== SCHEME ||
    iv === undefined ||
    sealed === undefined ||
    extra !== undefined ||
    !BASE64URL.test(iv) ||
    !BASE64URL.test(sealed)
  ) {
    throw new AppError('vault.decrypt_failed', { publicMessage: 'wrapped key is malformed' });
  }
  const parts = { iv: Buffer.from(iv, 'base64url'), sealed: Buffer.from(sealed, 'base64url') };
  if (parts.iv.length !== GCM_IV_BYTES || parts.sealed.length <= GCM_TAG_BYTES) {
    throw new AppError('vault.decrypt_failed', { publicMessage: 'wrapped key is malformed' });
  }
  return parts;
}
