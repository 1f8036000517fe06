import type { OrgId } from '../../../lib/ids.js';
import { GenerationCache, type OrgGenerations } from '../../../platform/cache-generation/index.js';
import type { Db } from '../../../platform/db/index.js';
import { activeOwner } from '../../tenancy/index.js';
import { selectClient, selectClientOrg } from '../clients/client-repo.js';
import { grantStands } from '../storage/postgres-adapter.js';
import { isTokenRevoked } from './revoked-tokens.js';
import {
  rememberingVerifier,
  TokenRejected,
  type AccessTokenClaims,
  type TokenVerifierDeps,
} from './verify-access-token.js';

/** Who an access token authenticates, as the account stands now. */
interface TokenSubject {
  orgId: OrgId;
  clientId: string;
  /** The token's roles that the account still holds (a demotion caps a token at once; a promotion needs a new one). */
  roles: string[];
  /** The account's current ABAC attributes. */
  attributes: Record<string, unknown>;
}

/** A service account's token (client_credentials). */
export interface ServiceAccountToken extends TokenSubject {
  subject: 'service_account';
  serviceAccountId: string;
}

/** A user's token: the user signed in to an application of the org with the methods in `amr`. */
export interface UserToken extends TokenSubject {
  subject: 'user';
  userId: string;
  amr: string[];
  acr: string;
}

/** What an access token authenticates. */
export type AuthenticatedToken = ServiceAccountToken | UserToken;

/** What authenticating access tokens needs. */
export interface AccessTokenAuthDeps extends TokenVerifierDeps {
  db: Db;
  generations: OrgGenerations;
}

// Resolved principals held per node (each with its token, about 1 KB): the least recently used goes first.
const MAX_CACHED_TOKENS = 20_000;

/**
 * Authenticates bearer access tokens: verified (see verifyAccessToken: signature, claims, expiry; a token verified
 * before is remembered, its expiry and key checked again on every request, see rememberingVerifier),
 * not revoked, its client not revoked and of the token's kind; a service account's token needs the account still
 * active in the token's org, a user's token its grant still standing and the user still an active member.
 * Throws TokenRejected. The database checks are cached per token (jti) under the org's cache generation, read from
 * the database on every request as API-key authentication does.
 * INVARIANT: everything that must end a token's acceptance bumps the org's generation in its own transaction: a
 * token's revocation (jwt-introspection), a grant revoked (postgres-adapter), a service account disabled, a member
 * removed or demoted, the org frozen; so a cached principal is
 * never served after such a change, on any node. A cached principal also never outlives its token: the token is
 * verified, its expiry included, before the cache is looked at.
 */
export function accessTokenAuthenticator(deps: AccessTokenAuthDeps): (token: string) => Promise<AuthenticatedToken> {
  const principals = new GenerationCache<string, { token: string; principal: AuthenticatedToken }>(MAX_CACHED_TOKENS);
  const verify = rememberingVerifier(deps, MAX_CACHED_TOKENS);
  return async (token) => {
    const claims = await verify(token);
    // The org comes from the signed token; a cached principal was resolved for the same token, byte for byte.
    const generation = await deps.generations.read(claims.orgId);
    const cached = principals.get(claims.jti, generation);
    if (cached && cached.token === token) return cached.principal;
    // INVARIANT: the generation was read (above, in its own transaction) before the revocation, the client and the
    // account are, so the cached principal is never stamped newer than what it was resolved from.
    const principal = await resolve(claims, deps.db, deps.clock.now());
    principals.set(claims.jti, generation, { token, principal });
    return principal;
  };
}

// The database checks of one token, in one transaction.
async function resolve(claims: AccessTokenClaims, db: Db, now: Date): Promise<AuthenticatedToken> {
  return db.withPlatform(async (platform) => {
    if (await isTokenRevoked(platform, claims.jti)) throw new TokenRejected('authn.token_revoked', claims.orgId);
    // SECURITY: the org comes from the signed token and must be the client's org too.
    if ((await selectClientOrg(platform, claims.clientId)) !== claims.orgId)
      throw new TokenRejected('authn.token_invalid', claims.orgId);
    if (claims.subject === 'user' && !(await grantStands(platform, claims.grantId, now)))
      throw new TokenRejected('authn.token_revoked', claims.orgId);
    const sql = await platform.enterTenant(claims.orgId);
    const client = await selectClient(sql, claims.clientId);
    const ownClient =
      claims.subject === 'user'
        ? client?.kind === 'app'
        : client?.kind === 'service' && client.serviceAccountId === claims.serviceAccountId;
    if (!client || client.revokedAt || !ownClient) throw new TokenRejected('authn.token_revoked', claims.orgId);
    const owner = await activeOwner(
      sql,
      claims.subject === 'user'
        ? { type: 'user', id: claims.userId }
        : { type: 'service_account', id: claims.serviceAccountId },
    );
    if (!owner) throw new TokenRejected('authn.owner_inactive', claims.orgId);
    const held = {
      orgId: claims.orgId,
      clientId: claims.clientId,
      roles: claims.roles.filter((role) => owner.roles.includes(role)),
      attributes: owner.attributes,
    };
    return claims.subject === 'user'
      ? { ...held, subject: 'user', userId: claims.userId, amr: claims.amr, acr: claims.acr }
      : { ...held, subject: 'service_account', serviceAccountId: claims.serviceAccountId };
  });
}
