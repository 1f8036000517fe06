import type { JSONWebKeySet } from 'jose';
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
import { clientCredential, type ConfidentialAuthMethod } from './client-credential.js';
import { insertClient } from './client-repo.js';

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
  authMethod: ConfidentialAuthMethod;
  clientSecret?: string;
  createdAt: Date;
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
  input: { serviceAccountId: string; authMethod: ConfidentialAuthMethod; jwks?: JSONWebKeySet },
  audit: AuditContext,
): Promise<CreatedOAuthClient> {
  const account = await activeOwner(sql, { type: 'service_account', id: input.serviceAccountId });
  if (!account) throw new AppError('http.not_found', { publicMessage: 'no such active service account' });
  assertMayGrant(by, account.roles, deps.canGrantRole);
  const clientId = newId('cli');
  const createdAt = deps.clock.now();
  const credential = await clientCredential(deps.cipher, sql, clientId, input.authMethod, input.jwks);
  await insertClient(sql, {
    orgId: sql.orgId,
    id: clientId,
    kind: 'service',
    serviceAccountId: input.serviceAccountId,
    name: '',
    authMethod: input.authMethod,
    secretCiphertext: credential.secretCiphertext,
    jwks: credential.jwks,
    redirectUris: [],
    postLogoutRedirectUris: [],
    firstParty: false,
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
    ...(credential.clientSecret ? { clientSecret: credential.clientSecret } : {}),
    createdAt,
  };
}
