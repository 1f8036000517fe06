import type { OrgId } from '../../../lib/ids.js';
import { GenerationCache, type OrgGenerations } from '../../../platform/cache-generation/index.js';
import type { Db } from '../../../platform/db/index.js';
import { activeOwner } from '../../tenancy/index.js';
import { selectClient, selectClientOrg } from '../clients/client-repo.js';
import { grantStands } from '../storage/postgres-adapter.js';
import { isTokenRevoked, selectRevokedTokenIds } from './revoked-tokens.js';
import {
  rememberingVerifier,
  TokenRejected,
  type ServiceAccountClaims,
  type TokenVerifierDeps,
  type UserClaims,
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
// Service accounts (client, account, current roles and attributes) and orgs' revocation lists held per node.
const MAX_CACHED_ACCOUNTS = 10_000;
const MAX_CACHED_ORGS = 10_000;
// An org with more revoked tokens on record than this has its tokens' first uses checked in the database, one by one.
const MAX_CACHED_REVOCATIONS = 1_000;

/** A service account's standing as one generation of its org saw it: its client is its own, and it is active. */
interface ActiveServiceAccount {
  roles: string[];
  attributes: Record<string, unknown>;
}

/**
 * Authenticates bearer access tokens: verified (see verifyAccessToken: signature, claims, expiry; a token verified
 * before is remembered, its expiry and key checked again on every request, see rememberingVerifier),
 * not revoked, its client not revoked and of the token's kind; a service account's token needs the account still
 * active in the token's org, a user's token its grant still standing and the user still an active member.
 * Throws TokenRejected. The database checks are cached under the org's cache generation (`OrgGenerations.read`, on
 * every request): per token (jti); and, so that a service account's newly minted token is checked without the
 * database too, per service account (its client and its standing) and per org (the jtis of its revoked tokens).
 * INVARIANT: everything that must end a token's acceptance bumps the org's generation in its own transaction: a
 * token's revocation (jwt-introspection), a grant revoked (postgres-adapter), a service account disabled, a member
 * removed or demoted, the org frozen; so a cached principal, account or revocation list is
 * never served after such a change, on any node. A cached principal also never outlives its token: the token is
 * verified, its expiry included, before the cache is looked at.
 */
export function accessTokenAuthenticator(deps: AccessTokenAuthDeps): (token: string) => Promise<AuthenticatedToken> {
  const principals = new GenerationCache<string, { token: string; principal: AuthenticatedToken }>(MAX_CACHED_TOKENS);
  const accounts = new GenerationCache<string, ActiveServiceAccount>(MAX_CACHED_ACCOUNTS);
  const revocations = new GenerationCache<OrgId, { jtis: ReadonlySet<string> }>(MAX_CACHED_ORGS);
  const verify = rememberingVerifier(deps, MAX_CACHED_TOKENS);

  // SECURITY: the account's and the org's revocations are taken from memory only when both were loaded under the
  // generation read for this request; then the token's own jti is looked up in the org's revocation list.
  const serviceAccountToken = async (claims: ServiceAccountClaims, generation: number) => {
    const accountKey = `${claims.orgId}/${claims.clientId}/${claims.serviceAccountId}`;
    const revoked = revocations.get(claims.orgId, generation)?.jtis;
    const account = accounts.get(accountKey, generation);
    if (revoked && account) {
      if (revoked.has(claims.jti)) throw new TokenRejected('authn.token_revoked', claims.orgId);
      return serviceAccountPrincipal(claims, account);
    }
    // The load checks this token's jti itself (in the org's list, or alone when the list is too long to cache).
    const loaded = await loadServiceAccount(claims, deps.db);
    if (loaded.revoked) revocations.set(claims.orgId, generation, { jtis: loaded.revoked });
    accounts.set(accountKey, generation, loaded.account);
    return serviceAccountPrincipal(claims, loaded.account);
  };

  return async (token) => {
    const claims = await verify(token);
    // The org comes from the signed token; a cached principal was resolved for the same token, byte for byte.
    const generation = await deps.generations.read(claims.orgId);
    const cached = principals.get(claims.jti, generation);
    if (cached && cached.token === token) return cached.principal;
    // INVARIANT: the generation was read (above, in its own transaction) before the revocations, the client and the
    // account are, so nothing cached is ever stamped newer than what it was resolved from.
    const principal =
      claims.subject === 'user'
        ? await resolveUserToken(claims, deps.db, deps.clock.now())
        : await serviceAccountToken(claims, generation);
    principals.set(claims.jti, generation, { token, principal });
    return principal;
  };
}

function serviceAccountPrincipal(claims: ServiceAccountClaims, account: ActiveServiceAccount): ServiceAccountToken {
  return {
    subject: 'service_account',
    orgId: claims.orgId,
    clientId: claims.clientId,
    serviceAccountId: claims.serviceAccountId,
    roles: claims.roles.filter((role) => account.roles.includes(role)),
    attributes: account.attributes,
  };
}

// A service account token's database checks, in one transaction: the org's revoked tokens (undefined when too many to
// cache; then this token's jti alone), the token's client (in the token's org, the account's own, not revoked) and the
// account (active, its roles now).
async function loadServiceAccount(
  claims: ServiceAccountClaims,
  db: Db,
): Promise<{ revoked: Set<string> | undefined; account: ActiveServiceAccount }> {
  return db.withPlatform(async (platform) => {
    const revoked = await selectRevokedTokenIds(platform, claims.orgId, MAX_CACHED_REVOCATIONS);
    if (revoked ? revoked.has(claims.jti) : await isTokenRevoked(platform, claims.jti))
      throw new TokenRejected('authn.token_revoked', claims.orgId);
    // SECURITY: the org comes from the signed token and must be the client's org too.
    if ((await selectClientOrg(platform, claims.clientId)) !== claims.orgId)
      throw new TokenRejected('authn.token_invalid', claims.orgId);
    const sql = await platform.enterTenant(claims.orgId);
    const client = await selectClient(sql, claims.clientId);
    if (!client || client.revokedAt || client.kind !== 'service' || client.serviceAccountId !== claims.serviceAccountId)
      throw new TokenRejected('authn.token_revoked', claims.orgId);
    const owner = await activeOwner(sql, { type: 'service_account', id: claims.serviceAccountId });
    if (!owner) throw new TokenRejected('authn.owner_inactive', claims.orgId);
    return { revoked, account: { roles: owner.roles, attributes: owner.attributes } };
  });
}

// A user token's database checks, in one transaction.
async function resolveUserToken(claims: UserClaims, db: Db, now: Date): Promise<UserToken> {
  return db.withPlatform(async (platform) => {
    if (await isTokenRevoked(platform, claims.jti)) throw new TokenRejected('authn.token_revoked', claims.orgId);
    // SECURITY: the org comes from the signed token and must be the client's org too.
    if ((await selectClientOrg(platform, claims.clientId)) !== claims.orgId)
      throw new TokenRejected('authn.token_invalid', claims.orgId);
    if (!(await grantStands(platform, claims.grantId, now)))
      throw new TokenRejected('authn.token_revoked', claims.orgId);
    const sql = await platform.enterTenant(claims.orgId);
    const client = await selectClient(sql, claims.clientId);
    if (!client || client.revokedAt || client.kind !== 'app')
      throw new TokenRejected('authn.token_revoked', claims.orgId);
    const owner = await activeOwner(sql, { type: 'user', id: claims.userId });
    if (!owner) throw new TokenRejected('authn.owner_inactive', claims.orgId);
    return {
      subject: 'user',
      orgId: claims.orgId,
      clientId: claims.clientId,
      userId: claims.userId,
      roles: claims.roles.filter((role) => owner.roles.includes(role)),
      attributes: owner.attributes,
      amr: claims.amr,
      acr: claims.acr,
    };
  });
}
