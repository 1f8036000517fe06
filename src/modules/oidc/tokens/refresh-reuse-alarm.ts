import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { OrgId } from '../../../lib/ids.js';
import type { AuditLog } from '../../audit/index.js';

type ProviderMiddleware = Parameters<Provider['use']>[0];

/**
 * Records a refresh token presented after it was exchanged (RFC 9700 §4.14.2: a stolen token, or a client racing
 * itself). oidc-provider has already revoked the token's whole grant when this runs; this makes the revocation a
 * security event in the client's org, stored before the client hears `invalid_grant` (if the audit log cannot take
 * it, the answer is a server error instead).
 */
export function refreshReuseAlarm(audit: AuditLog): ProviderMiddleware {
  return async function recordRefreshTokenReuse(koaCtx, next) {
    await next();
    const ctx = koaCtx as KoaContextWithOIDC;
    if (ctx.oidc?.route !== 'token') return;
    const spent = ctx.oidc.entities?.RefreshToken;
    const body = ctx.body as { error?: unknown } | undefined;
    if (!spent?.consumed || body?.error !== 'invalid_grant') return;
    const metadata: Record<string, unknown> = ctx.oidc.client?.metadata() ?? {};
    if (typeof metadata.org_id !== 'string') return;
    const userAgent = ctx.get('user-agent');
    await audit.record(metadata.org_id as OrgId, [
      {
        orgId: metadata.org_id as OrgId,
        actor: { type: 'user', id: spent.accountId ?? null },
        action: 'identity.refresh_token.reused',
        resource: { type: 'OAuthClient', id: spent.clientId ?? null },
        decision: 'deny',
        reasonCodes: ['oidc.refresh_token_reused'],
        clientIp: ctx.ip,
        ...(userAgent ? { userAgent: userAgent.slice(0, 512) } : {}),
        details: { rotations: spent.rotations ?? 0, grant_revoked: true },
      },
    ]);
  };
}
