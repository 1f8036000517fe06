import { randomBytes } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { AppError } from '../../../lib/errors/index.js';
import type { TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher } from '../../../platform/vault/index.js';
import type { ClientAuthMethod } from './client-repo.js';

/** How a confidential client authenticates. */
export type ConfidentialAuthMethod = Exclude<ClientAuthMethod, 'none'>;

/** Where a client's secret ciphertext is bound (FieldCipher). */
export const clientSecretRef = (clientId: string) => ({
  table: 'oidc_clients',
  column: 'secret_ciphertext',
  rowId: clientId,
});

const PRIVATE_PARTS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;

function usableSigningKey(jwk: JWK): boolean {
  if (PRIVATE_PARTS.some((part) => part in jwk)) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.kty === 'EC') return jwk.crv === 'P-256' || jwk.crv === 'P-384';
  if (jwk.kty === 'OKP') return jwk.crv === 'Ed25519';
  // 2048-bit modulus: 256 bytes, 342 base64url characters.
  if (jwk.kty === 'RSA') return typeof jwk.n === 'string' && jwk.n.length >= 342;
  return false;
}

// SECURITY: only public signing keys are stored; a private part sent by mistake is refused, never kept.
function checkClientJwks(method: ClientAuthMethod, jwks: JSONWebKeySet | undefined): JSONWebKeySet | null {
  if (method !== 'private_key_jwt') {
    if (jwks) throw new AppError('oidc.client_jwks_invalid', { publicMessage: `${method} takes no jwks` });
    return null;
  }
  const keys = jwks?.keys ?? [];
  if (keys.length < 1 || keys.length > 5 || !keys.every(usableSigningKey))
    throw new AppError('oidc.client_jwks_invalid', {
      publicMessage: 'jwks needs 1 to 5 public signing keys (EC P-256/P-384, RSA >= 2048 bits, Ed25519)',
    });
  return { keys };
}

/** A new client's credential as stored, and its secret in clear (returned once). */
export interface ClientCredential {
  secretCiphertext: string | null;
  jwks: JSONWebKeySet | null;
  clientSecret?: string;
}

/**
 * The credential of a new client: a `client_secret_basic` secret (256 random bits, stored encrypted through the
 * vault), the public keys of a `private_key_jwt` client, or nothing for a public client (`none`).
 */
export async function clientCredential(
  cipher: FieldCipher,
  sql: TenantSql,
  clientId: string,
  method: ClientAuthMethod,
  jwks: JSONWebKeySet | undefined,
): Promise<ClientCredential> {
  const checkedJwks = checkClientJwks(method, jwks);
  if (method !== 'client_secret_basic') return { secretCiphertext: null, jwks: checkedJwks };
  const clientSecret = randomBytes(32).toString('base64url');
  const secretCiphertext = await cipher.encrypt(sql, clientSecretRef(clientId), clientSecret);
  return { secretCiphertext, jwks: null, clientSecret };
}
