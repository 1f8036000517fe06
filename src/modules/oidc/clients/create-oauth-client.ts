import { randomBytes } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import { newId } from '../../../lib/ids.js';
import type { TenantSql } from '../../../platform/db/index.js';
import type { FieldCipher } from '../../../platform/vault/index.js';
import type { AuditLog } from '../../audit/index.js';
import {
  activeOwner,
  assertMayGrant,
  type ActingPrincipal,
  type AuditContext,
  type CanGrantRole,
} from '../../tenancy/index.js';
import { insertClient, type ClientAuthMethod } from './client-repo.js';

/** What creating an OAuth client needs. */
export interface OAuthClientDeps {
  audit: AuditLog;
  cipher: FieldCipher;
  clock: Clock;
  canGrantRole: CanGrantRole;
}

/** A created client; `clientSecret` is present once, here, for `client_secret_basic`. */
export interface CreatedOAuthClient {
  clientId: string;
  serviceAccountId: string;
  authMethod: ClientAuthMethod;
  clientSecret?: string;
  createdAt: Date;
}

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
  if (method === 'client_secret_basic') {
    if (jwks) throw new AppError('oidc.client_jwks_invalid', { publicMessage: 'client_secret_basic takes no jwks' });
    return null;
  }
  const keys = jwks?.keys ?? [];
  if (keys.length < 1 || keys.length > 5 || !keys.every(usableSigningKey))
    throw new AppError('oidc.client_jwks_invalid', {
      publicMessage: 'jwks needs 1 to 5 public signing keys (EC P-256/P-384, RSA >= 2048 bits, Ed25519)',
    });
  return { keys };
}

/**
 * Creates the OAuth client of an active service account of the transaction's org, with its audit event: a
 * `client_secret_basic` secret (256 random bits, stored encrypted through the vault, returned once) or the client's
 * public keys for `private_key_jwt`. Minting credentials for an account hands out its roles, so `by` must be able to
 * grant every one of them (`authz.role_not_grantable`).
 */
export async function createOAuthClient(
  deps: OAuthClientDeps,
  sql: TenantSql,
  by: ActingPrincipal,
  input: { serviceAccountId: string; authMethod: ClientAuthMethod; jwks?: JSONWebKeySet },
  audit: AuditContext,
): Promise<CreatedOAuthClient> {
  const account = await activeOwner(sql, { type: 'service_account', id: input.serviceAccountId });
  if (!account) throw new AppError('http.not_found', { publicMessage: 'no such active service account' });
  assertMayGrant(by, account.roles, deps.canGrantRole);
  const jwks = checkClientJwks(input.authMethod, input.jwks);
  const clientId = newId('cli');
  const createdAt = deps.clock.now();
  const clientSecret = input.authMethod === 'client_secret_basic' ? randomBytes(32).toString('base64url') : undefined;
  const secretCiphertext = clientSecret
    ? await deps.cipher.encrypt(sql, clientSecretRef(clientId), clientSecret)
    : null;
  await insertClient(sql, {
    orgId: sql.orgId,
    id: clientId,
    serviceAccountId: input.serviceAccountId,
    authMethod: input.authMethod,
    secretCiphertext,
    jwks,
    createdBy: audit.actor,
    createdAt,
    revokedAt: null,
  });
  await deps.audit.append(sql, [
    {
      orgId: sql.orgId,
      actor: audit.actor,
      requestId: audit.requestId ?? null,
      action: 'oidc.client.created',
      resource: { type: 'ServiceAccount', id: input.serviceAccountId },
      decision: 'info',
      details: { client_id: clientId, auth_method: input.authMethod, roles: account.roles },
    },
  ]);
  return {
    clientId,
    serviceAccountId: input.serviceAccountId,
    authMethod: input.authMethod,
    ...(clientSecret ? { clientSecret } : {}),
    createdAt,
  };
}
