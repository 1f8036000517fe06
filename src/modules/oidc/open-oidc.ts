import type { Clock } from '../../lib/clock.js';
import type { OrgId } from '../../lib/ids.js';
import type { OrgGenerations } from '../../platform/cache-generation/index.js';
import type { Db, TenantSql } from '../../platform/db/index.js';
import type { FieldCipher } from '../../platform/vault/index.js';
import type { AuditActor, AuditLog } from '../audit/index.js';
import type { ActingPrincipal, AuditContext, CanGrantRole } from '../tenancy/index.js';
import type { Identity } from '../identity/index.js';
import type { ConfidentialAuthMethod } from './clients/client-credential.js';
import { createAppClient, type AppClientInput, type CreatedAppClient } from './clients/create-app-client.js';
import { createOAuthClient, type CreatedOAuthClient } from './clients/create-oauth-client.js';
import { findClient } from './clients/find-client.js';
import { SignIn, type SignInPasskeys } from './interactions/sign-in.js';
import { SignInProgressStore } from './interactions/sign-in-progress.js';
import { userTokenRoles } from './interactions/user-accounts.js';
import { buildProvider, type ProviderSettings, type RefreshLifetimes } from './provider/build-provider.js';
import { loadCookieKeys } from './provider/cookie-keys.js';
import { ProviderHost, type ProviderCallback } from './provider/provider-host.js';
import { Keyring } from './signing-keys/keyring.js';
import { pruneSigningKeys } from './signing-keys/prune-signing-keys.js';
import { rotateSigningKey, type RotatedKey, type SigningKeyDeps } from './signing-keys/rotate-signing-key.js';
import { userSessions, type UserSessions } from './sessions/user-sessions.js';
import { deleteExpiredPayloads, findStandingGrantId, PostgresAdapter } from './storage/postgres-adapter.js';
import { accessTokenAuthenticator, type AuthenticatedToken } from './tokens/authenticate-access-token.js';
import { refreshReuseAlarm } from './tokens/refresh-reuse-alarm.js';
import { jwtIntrospection } from './tokens/jwt-introspection.js';
import { TOKEN_LEEWAY_SECONDS, type TokenVerifierDeps } from './tokens/verify-access-token.js';
import type { JSONWebKeySet } from 'jose';

/** What the OpenID provider is built from. */
export interface OidcDeps {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  platformOrgId: OrgId;
  canGrantRole: CanGrantRole;
  /** The node's view of the orgs' cache generations (the token and client caches are valid under them). */
  generations: OrgGenerations;
  issuer: string;
  /** The Bulwark API's resource indicator (the access tokens' audience). */
  audience: string;
  accessTokenTtlSeconds: number;
  refresh: RefreshLifetimes;
  sessionTtlSeconds: number;
  trustProxy: boolean;
  onServerError: (error: unknown) => void;
  /** Users' credentials and the checks of each sign-in step. */
  identity: Identity;
  /** The passkey ceremonies of a sign-in, bound to Bulwark's relying party. */
  passkeys: SignInPasskeys;
  /** The sign-in pages' path and the logout pages (rendered by the HTTP layer). */
  pages: Pick<ProviderSettings, 'interactionPath' | 'logoutPages'>;
}

/** The embedded OpenID provider and what the rest of Bulwark does with it. */
export interface Oidc {
  readonly issuer: string;
  readonly audience: string;
  /** The provider's request handler for the key set in force now. */
  callback(): Promise<ProviderCallback>;
  /** The sign-in of the provider's interactions (the pages call it). */
  readonly signIn: SignIn;
  /** Authenticates a bearer access token (throws TokenRejected). */
  authenticate(token: string): Promise<AuthenticatedToken>;
  /** Creates a service account's OAuth client in the caller's tenant transaction. */
  createClient(
    sql: TenantSql,
    by: ActingPrincipal,
    input: { serviceAccountId: string; authMethod: ConfidentialAuthMethod; jwks?: JSONWebKeySet },
    audit: AuditContext,
  ): Promise<CreatedOAuthClient>;
  /** Creates an application client (authorization code) in the caller's tenant transaction. */
  createAppClient(sql: TenantSql, input: AppClientInput, audit: AuditContext): Promise<CreatedAppClient>;
  /** Rotates the signing key now (or returns the one already waiting). */
  rotateKeys(actor: AuditActor): Promise<RotatedKey>;
  /** The scheduled rotation: a new key when the newest is older than `maxAgeMs`; then drops keys no token needs. */
  rotateIfDue(maxAgeMs: number): Promise<RotatedKey | undefined>;
  /** Deletes expired provider records; returns how many. */
  deleteExpired(now: Date): Promise<number>;
  /** Users' live sign-ins: list them, end them ("sign out everywhere"). */
  readonly sessions: UserSessions;
}

// A node rereads the key set this often; a rotation publishes a key a minute beyond one token lifetime before it signs.
const KEYRING_REFRESH_MS = 15_000;
const KEYRING_MIN_REFRESH_MS = 2_000;

type KeyOwnerDeps = Pick<OidcDeps, 'db' | 'cipher' | 'audit' | 'clock' | 'platformOrgId' | 'accessTokenTtlSeconds'>;

function signingKeyDeps(deps: KeyOwnerDeps): SigningKeyDeps {
  return { ...deps, tokenLifetimeMs: (deps.accessTokenTtlSeconds + TOKEN_LEEWAY_SECONDS) * 1000 };
}

/**
 * Rotates the signing key now, outside a serving node (`bulwark keys rotate`): serving nodes read the new key from
 * the database within seconds, long before it signs. Returns the key already waiting when there is one.
 */
export async function rotateSigningKeyNow(deps: KeyOwnerDeps, actor: AuditActor): Promise<RotatedKey> {
  const rotated = await rotateSigningKey(signingKeyDeps(deps), { actor, reason: 'manual' });
  if (!rotated) throw new Error('a manual rotation always yields a key');
  return rotated;
}

/** Wires the provider: storage, clients, signing keys (the first one is created here on a first start). */
export async function openOidc(deps: OidcDeps): Promise<Oidc> {
  const keyDeps = signingKeyDeps(deps);
  const { tokenLifetimeMs } = keyDeps;
  const system: AuditActor = { type: 'system', id: null };
  // The first key signs at once; on later starts this finds the existing keys and changes nothing.
  await rotateSigningKey(keyDeps, { actor: system, reason: 'scheduled', onlyIfOlderThanMs: Number.MAX_SAFE_INTEGER });
  const keyring = new Keyring(keyDeps, { refreshMs: KEYRING_REFRESH_MS, minRefreshMs: KEYRING_MIN_REFRESH_MS });
  const verifier: TokenVerifierDeps = { keyring, issuer: deps.issuer, audience: deps.audience, clock: deps.clock };
  const introspection = jwtIntrospection({ ...verifier, db: deps.db, tokenLifetimeMs });
  const clients = findClient(deps);
  const cookieKeys = await loadCookieKeys(deps);
  const host = new ProviderHost(keyring, (keys) =>
    buildProvider(
      {
        issuer: deps.issuer,
        audience: deps.audience,
        accessTokenTtlSeconds: deps.accessTokenTtlSeconds,
        refresh: deps.refresh,
        sessionTtlSeconds: deps.sessionTtlSeconds,
        trustProxy: deps.trustProxy,
        cookieKeys,
        ...deps.pages,
        adapter: (model) => new PostgresAdapter(model, { db: deps.db, clock: deps.clock, findClient: clients }),
        findGrantId: (userId, clientId) => findStandingGrantId(deps.db, userId, clientId, deps.clock.now()),
        userIsActive: async (userId) => (await deps.identity.account(userId))?.active === true,
        userRoles: (input) => userTokenRoles(deps.db, input),
        middleware: [introspection, refreshReuseAlarm(deps.audit)],
        onServerError: deps.onServerError,
      },
      keys,
    ),
  );
  const signIn = new SignIn({
    provider: () => host.provider(),
    identity: deps.identity,
    passkeys: deps.passkeys,
    progress: new SignInProgressStore(deps),
    db: deps.db,
    audit: deps.audit,
    interactionPath: deps.pages.interactionPath,
  });
  return {
    issuer: deps.issuer,
    audience: deps.audience,
    callback: () => host.callback(),
    signIn,
    authenticate: accessTokenAuthenticator({ ...verifier, db: deps.db, generations: deps.generations }),
    createClient: (sql, by, input, audit) => createOAuthClient(deps, sql, by, input, audit),
    createAppClient: (sql, input, audit) => createAppClient(deps, sql, input, audit),
    rotateKeys: (actor) => rotateSigningKeyNow(deps, actor),
    async rotateIfDue(maxAgeMs) {
      const rotated = await rotateSigningKey(keyDeps, {
        actor: system,
        reason: 'scheduled',
        onlyIfOlderThanMs: maxAgeMs,
      });
      await pruneSigningKeys(keyDeps);
      return rotated;
    },
    deleteExpired: (now) => deleteExpiredPayloads(deps.db, now),
    sessions: userSessions(deps),
  };
}
