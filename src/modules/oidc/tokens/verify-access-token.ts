import { errors, importJWK, jwtVerify, type CryptoKey, type JWK, type JWTHeaderParameters } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../../lib/clock.js';
import type { ErrorCode } from '../../../lib/errors/index.js';
import { isId, type OrgId } from '../../../lib/ids.js';
import type { Keyring } from '../signing-keys/keyring.js';

/** What every access token of ours says, once verified. */
interface TokenClaims {
  jti: string;
  clientId: string;
  orgId: OrgId;
  roles: string[];
  issuedAt: number;
  expiresAt: number;
  audience: string;
}

/** A service account's token (client_credentials): `sub` is the account. */
export interface ServiceAccountClaims extends TokenClaims {
  subject: 'service_account';
  serviceAccountId: string;
}

/** A user's token (authorization code, refresh): `sub` is the user, signed in as `amr` and `acr` say. */
export interface UserClaims extends TokenClaims {
  subject: 'user';
  userId: string;
  /** The grant the token was issued under; a revoked grant ends its tokens. */
  grantId: string;
  amr: string[];
  acr: string;
}

/** What an access token of ours says, once verified: a service account's or a user's. */
export type AccessTokenClaims = ServiceAccountClaims | UserClaims;

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Why an access token was refused; recorded in the audit log, never shown to the client. */
export class TokenRejected extends Error {
  constructor(
    readonly reason: Extract<ErrorCode, `authn.token_${string}`> | 'authn.owner_inactive',
    readonly orgId?: OrgId,
  ) {
    super(reason);
  }
}

/** What verification pins. */
export interface TokenVerifierDeps {
  keyring: Pick<Keyring, 'current' | 'refreshSoon'>;
  issuer: string;
  audience: string;
  clock: Clock;
}

/** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. */
export const TOKEN_LEEWAY_SECONDS = 5;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether `value` has the shape of a compact JWS (three base64url parts). */
export function looksLikeJwt(value: string): boolean {
  return value.length <= 8192 && JWT_SHAPE.test(value);
}

// Published keys imported once per key set the keyring loads (a reload brings new JWK objects, imported anew).
const imported = new WeakMap<JWK, Promise<CryptoKey | Uint8Array>>();

function importedKey(jwk: JWK): Promise<CryptoKey | Uint8Array> {
  let key = imported.get(jwk);
  if (!key) {
    key = importJWK(jwk, 'ES256');
    imported.set(jwk, key);
  }
  return key;
}

/**
 * Verifies an access token issued by our provider: ES256 only (`none`, HS* and every other alg refused), `typ`
 * `at+jwt`, issuer and audience pinned, exp/nbf/iat within the leeway, signed by a key the JWKS publishes now (an
 * unknown kid reloads the key set once, rate-limited, then fails). Revocation is checked by the caller.
 */
export async function verifyAccessToken(token: string, deps: TokenVerifierDeps): Promise<AccessTokenClaims> {
  return (await verifyAccessTokenKeyed(token, deps)).claims;
}

/** A verified token's claims and the published key that signed it. */
interface VerifiedToken {
  claims: AccessTokenClaims;
  kid: string;
}

/**
 * A verifier that remembers the tokens it verified (at most `max`, the least recently used forgotten first), so a
 * client presenting its token again skips the signature check. SECURITY: a remembered token is answered only for the
 * same string, byte for byte, while it is unexpired (the same leeway) and while the key that signed it is still
 * published; anything else takes the full verification, which refuses it with its own reason.
 */
export function rememberingVerifier(
  deps: TokenVerifierDeps,
  max: number,
): (token: string) => Promise<AccessTokenClaims> {
  const verified = new LRUCache<string, VerifiedToken>({ max });
  return async (token) => {
    const known = verified.get(token);
    if (known && !expired(known.claims, deps.clock) && (await published(known.kid, deps))) return known.claims;
    verified.delete(token);
    const fresh = await verifyAccessTokenKeyed(token, deps);
    verified.set(token, fresh);
    return fresh.claims;
  };
}

// As jose decides it: expired once `exp` is at or before now less the leeway, in whole seconds.
function expired(claims: AccessTokenClaims, clock: Clock): boolean {
  return claims.expiresAt <= Math.floor(clock.now().getTime() / 1000) - TOKEN_LEEWAY_SECONDS;
}

async function published(kid: string, deps: TokenVerifierDeps): Promise<boolean> {
  return (await deps.keyring.current()).publicJwks.some((jwk) => jwk.kid === kid);
}

async function verifyAccessTokenKeyed(token: string, deps: TokenVerifierDeps): Promise<VerifiedToken> {
  if (!looksLikeJwt(token)) throw new TokenRejected('authn.token_invalid');
  let kid = '';
  const keyFor = async (header: JWTHeaderParameters) => {
    // SECURITY: the alg allow-list below refuses anything but ES256 before a key is looked at; a kid must name a
    // published key (never a key carried in the token: jwk, jku and x5u headers are ignored).
    const find = (jwks: readonly JWK[]) => jwks.find((jwk) => typeof header.kid === 'string' && jwk.kid === header.kid);
    const jwk = find((await deps.keyring.current()).publicJwks) ?? find((await deps.keyring.refreshSoon()).publicJwks);
    if (!jwk?.kid) throw new TokenRejected('authn.token_invalid');
    kid = jwk.kid;
    return importedKey(jwk);
  };
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keyFor, {
      algorithms: ['ES256'],
      typ: 'at+jwt',
      issuer: deps.issuer,
      audience: deps.audience,
      clockTolerance: TOKEN_LEEWAY_SECONDS,
      currentDate: deps.clock.now(),
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
    }));
  } catch (error) {
    if (error instanceof TokenRejected) throw error;
    if (error instanceof errors.JWTExpired) throw new TokenRejected('authn.token_expired');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf')
      throw new TokenRejected('authn.token_expired');
    throw new TokenRejected('authn.token_invalid');
  }
  const { jti, sub, client_id: clientId, org_id: orgId, roles, iat, exp } = payload;
  if (
    typeof jti !== 'string' ||
    typeof sub !== 'string' ||
    typeof clientId !== 'string' ||
    typeof orgId !== 'string' ||
    !isId('org', orgId) ||
    !isStringArray(roles) ||
    typeof iat !== 'number' ||
    typeof exp !== 'number'
  )
    throw new TokenRejected('authn.token_invalid');
  const common = { jti, clientId, orgId, roles, issuedAt: iat, expiresAt: exp, audience: deps.audience };
  if (isId('svc', sub)) return { kid, claims: { ...common, subject: 'service_account', serviceAccountId: sub } };
  const { grant_id: grantId, amr, acr } = payload;
  if (!isId('usr', sub) || typeof grantId !== 'string' || !isStringArray(amr) || typeof acr !== 'string')
    throw new TokenRejected('authn.token_invalid');
  return { kid, claims: { ...common, subject: 'user', userId: sub, grantId, amr, acr } };
}
