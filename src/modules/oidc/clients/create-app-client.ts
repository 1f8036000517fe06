import type { JSONWebKeySet } from 'jose';
import { AppError } from '../../../lib/errors/index.js';
import { newId, type OrgId } from '../../../lib/ids.js';
import type { TenantSql } from '../../../platform/db/index.js';
import type { AuditContext } from '../../tenancy/index.js';
import { checkRedirectUri } from './check-redirect-uri.js';
import { clientCredential } from './client-credential.js';
import { insertClient, type ClientAuthMethod } from './client-repo.js';
import type { OAuthClientDeps } from './create-oauth-client.js';

/** What an application client is created from. */
export interface AppClientInput {
  name: string;
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
  /** `none` for a public client (browser or native app), else how the confidential client authenticates. */
  authMethod: ClientAuthMethod;
  jwks?: JSONWebKeySet;
  firstParty: boolean;
}

/** A created application client; `clientSecret` is present once, here, for `client_secret_basic`. */
export interface CreatedAppClient {
  clientId: string;
  name: string;
  authMethod: ClientAuthMethod;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  firstParty: boolean;
  clientSecret?: string;
  createdAt: Date;
}

/**
 * Creates an application client of the transaction's org, with its audit event: an app the org's members sign in to
 * with the authorization code flow (PKCE S256 always). It grants nobody anything: a user's token carries the roles
 * of the user's own membership. Only the platform org may make a client first-party (no consent screen).
 */
export async function createAppClient(
  deps: OAuthClientDeps & { platformOrgId: OrgId },
  sql: TenantSql,
  input: AppClientInput,
  audit: AuditContext,
): Promise<CreatedAppClient> {
  if (input.firstParty && sql.orgId !== deps.platformOrgId) throw new AppError('oidc.first_party_not_allowed');
  const redirectUris = input.redirectUris.map((uri, i) => checkRedirectUri(uri, `redirect_uris[${i}]`));
  const postLogoutRedirectUris = input.postLogoutRedirectUris.map((uri, i) =>
    checkRedirectUri(uri, `post_logout_redirect_uris[${i}]`),
  );
  const clientId = newId('cli');
  const createdAt = deps.clock.now();
  const credential = await clientCredential(deps.cipher, sql, clientId, input.authMethod, input.jwks);
  await insertClient(sql, {
    orgId: sql.orgId,
    id: clientId,
    kind: 'app',
    serviceAccountId: null,
    name: input.name,
    authMethod: input.authMethod,
    secretCiphertext: credential.secretCiphertext,
    jwks: credential.jwks,
    redirectUris,
    postLogoutRedirectUris,
    firstParty: input.firstParty,
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
      resource: { type: 'OAuthClient', id: clientId },
      decision: 'info',
      details: {
        kind: 'app',
        name: input.name,
        auth_method: input.authMethod,
        redirect_uris: redirectUris,
        first_party: input.firstParty,
      },
    },
  ]);
  return {
    clientId,
    name: input.name,
    authMethod: input.authMethod,
    redirectUris,
    postLogoutRedirectUris,
    firstParty: input.firstParty,
    ...(credential.clientSecret ? { clientSecret: credential.clientSecret } : {}),
    createdAt,
  };
}
