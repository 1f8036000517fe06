import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../../../lib/clock.js';
import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { Db } from '../../../platform/db/index.js';
import { isTokenRevoked, recordRevokedToken } from './revoked-tokens.js';
import { grantStands } from '../storage/postgres-adapter.js';
import { looksLikeJwt, TokenRejected, verifyAccessToken, type TokenVerifierDeps } from './verify-access-token.js';

/** What introspecting and revoking our JWT access tokens needs. */
export interface JwtIntrospectionDeps extends TokenVerifierDeps {
  db: Db;
  clock: Clock;
  /** How long a revocation is kept: no token outlives it. */
  tokenLifetimeMs: number;
}

type ProviderMiddleware = Parameters<Provider['use']>[0];

const ROUTES = new Set(['introspection', 'revocation']);

function refusedAsStructured(ctx: KoaContextWithOIDC): boolean {
  const body = ctx.body as { error?: unknown } | undefined;
  return ctx.status === 400 && body?.error === 'unsupported_token_type';
}

/**
 * Introspection (RFC 7662) and revocation (RFC 7009) of our JWT access tokens. oidc-provider stores no JWT-format
 * token and refuses both for them (`unsupported_token_type`) after it has authenticated the client; this
 * post-middleware takes over exactly then: the token is verified as the API verifies it, and only the client it was
 * issued to may introspect or revoke it (any other client hears `active: false`, and its revocation changes nothing).
 * Revoking records the jti, which the API and introspection check, and bumps the org's cache generation.
 */
export function jwtIntrospection(deps: JwtIntrospectionDeps): ProviderMiddleware {
  return async function introspectAndRevokeJwts(koaCtx, next) {
    await next();
    const ctx = koaCtx as KoaContextWithOIDC;
    const route = ctx.oidc?.route;
    const client = ctx.oidc?.client;
    const token = ctx.oidc?.params?.token;
    // SECURITY: only a request whose client authenticated (the provider set ctx.oidc.client) reaches past here.
    if (!route || !ROUTES.has(route) || !client || typeof token !== 'string' || !refusedAsStructured(ctx)) return;
    if (!looksLikeJwt(token)) return;
    const claims = await verifyAccessToken(token, deps).catch((error: unknown) => {
      if (error instanceof TokenRejected) return undefined;
      throw error;
    });
    ctx.status = 200;
    if (!claims || claims.clientId !== client.clientId) {
      ctx.body = route === 'revocation' ? '' : { active: false };
      return;
    }
    const { jti } = claims;
    if (route === 'revocation') {
      const until = new Date(deps.clock.now().getTime() + deps.tokenLifetimeMs);
      await deps.db.withPlatform(async (sql) => {
        await recordRevokedToken(sql, jti, claims.orgId, until);
        // SECURITY: the API caches a token's principal under its org's generation; the bump ends it on every node.
        await bumpOrgGeneration(await sql.enterTenant(claims.orgId));
      });
      ctx.body = '';
      return;
    }
    const revoked = await deps.db.withPlatform(
      async (sql) =>
        (await isTokenRevoked(sql, jti)) ||
        (claims.subject === 'user' && !(await grantStands(sql, claims.grantId, deps.clock.now()))),
    );
    if (revoked) {
      ctx.body = { active: false };
      return;
    }
    ctx.body = {
      active: true,
      token_type: 'Bearer',
      iss: deps.issuer,
      aud: claims.audience,
      sub: claims.subject === 'user' ? claims.userId : claims.serviceAccountId,
      client_id: claims.clientId,
      jti: claims.jti,
      iat: claims.issuedAt,
      exp: claims.expiresAt,
      org_id: claims.orgId,
      roles: claims.roles,
      ...(claims.subject === 'user' ? { amr: claims.amr, acr: claims.acr } : {}),
    };
  };
}
