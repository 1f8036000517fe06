import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import { activeOwner } from '../../tenancy/index.js';
import { selectClient, selectClientOrg } from '../clients/client-repo.js';
import { isTokenRevoked } from './revoked-tokens.js';
import { TokenRejected, verifyAccessToken, type TokenVerifierDeps } from './verify-access-token.js';

/** The service account an access token authenticates, as it stands now. */
export interface ServiceAccountToken {
  orgId: OrgId;
  serviceAccountId: string;
  clientId: string;
  /** The token's roles that the account still holds (a demotion caps a token at once; a promotion needs a new one). */
  roles: string[];
  /** The account's current ABAC attributes. */
  attributes: Record<string, unknown>;
}

/**
 * Authenticates a bearer access token: verified (see verifyAccessToken), not revoked, its client still the
 * account's and not revoked, its service account still active in the token's org. Throws TokenRejected.
 */
export async function authenticateAccessToken(
  token: string,
  deps: TokenVerifierDeps & { db: Db },
): Promise<ServiceAccountToken> {
  const claims = await verifyAccessToken(token, deps);
  return deps.db.withPlatform(async (platform) => {
    if (await isTokenRevoked(platform, claims.jti)) throw new TokenRejected('authn.token_revoked', claims.orgId);
    // SECURITY: the org comes from the signed token and must be the client's org too.
    if ((await selectClientOrg(platform, claims.clientId)) !== claims.orgId)
      throw new TokenRejected('authn.token_invalid', claims.orgId);
    const sql = await platform.enterTenant(claims.orgId);
    const client = await selectClient(sql, claims.clientId);
    if (!client || client.revokedAt || client.serviceAccountId !== claims.serviceAccountId)
      throw new TokenRejected('authn.token_revoked', claims.orgId);
    const owner = await activeOwner(sql, { type: 'service_account', id: claims.serviceAccountId });
    if (!owner) throw new TokenRejected('authn.owner_inactive', claims.orgId);
    return {
      orgId: claims.orgId,
      serviceAccountId: claims.serviceAccountId,
      clientId: claims.clientId,
      roles: claims.roles.filter((role) => owner.roles.includes(role)),
      attributes: owner.attributes,
    };
  });
}
