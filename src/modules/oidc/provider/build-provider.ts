import Provider, { errors, type Adapter, type KoaContextWithOIDC } from 'oidc-provider';
import type { KeySet } from '../signing-keys/keyring.js';
import { TOKEN_LEEWAY_SECONDS } from '../tokens/verify-access-token.js';

/** What the provider is configured from. */
export interface ProviderSettings {
  issuer: string;
  /** The Bulwark API's resource indicator: the audience of every access token. */
  audience: string;
  accessTokenTtlSeconds: number;
  /** Trust X-Forwarded-* for the URLs the provider builds (as Fastify's trustProxy). */
  trustProxy: boolean;
  adapter: (model: string) => Adapter;
  /** Koa middleware run around every provider route (introspection and revocation of our JWTs). */
  middleware: readonly Parameters<Provider['use']>[0][];
  /** Reports an error the provider answered with `server_error`. */
  onServerError: (error: unknown) => void;
}

function clientClaims(ctx: KoaContextWithOIDC): { orgId: string; serviceAccountId: string; roles: string[] } {
  const metadata: Record<string, unknown> = ctx.oidc.client?.metadata() ?? {};
  const { org_id: orgId, service_account_id: serviceAccountId, roles } = metadata;
  if (typeof orgId !== 'string' || typeof serviceAccountId !== 'string' || !Array.isArray(roles))
    throw new errors.InvalidClient('client is not a service account client');
  return { orgId, serviceAccountId, roles: roles.filter((role): role is string => typeof role === 'string') };
}

/**
 * An oidc-provider instance for one key set. Only what is built is enabled: client_credentials for service-account
 * clients (client_secret_basic or private_key_jwt), introspection and revocation. No response type but `none` is
 * offered, so the authorization endpoint answers `unsupported_response_type` to implicit, hybrid and (until the login
 * interaction exists) code requests, and the password grant is unknown (`unsupported_grant_type`). Access tokens are
 * RFC 9068 JWTs for the Bulwark API, signed ES256 by the key set's signing key.
 */
export function buildProvider(settings: ProviderSettings, keys: KeySet): Provider {
  const provider = new Provider(settings.issuer, {
    adapter: settings.adapter,
    jwks: { keys: [...keys.privateJwks] },
    responseTypes: ['none'],
    scopes: ['openid'],
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt'],
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    enabledJWA: {
      clientAuthSigningAlgValues: ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'],
      idTokenSigningAlgValues: ['ES256'],
    },
    extraClientMetadata: { properties: ['org_id', 'service_account_id', 'roles'] },
    clockTolerance: TOKEN_LEEWAY_SECONDS,
    // Errors the provider cannot redirect (no valid redirect_uri) get Bulwark's OAuth error shape, not an HTML page.
    renderError: (ctx, out) => {
      const requestId = ctx.res.getHeader('x-request-id');
      ctx.type = 'application/json; charset=utf-8';
      ctx.body = {
        error: out.error,
        ...(out.error_description ? { error_description: out.error_description } : {}),
        ...(typeof requestId === 'string' ? { request_id: requestId } : {}),
      };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => settings.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          // SECURITY: the one resource tokens are minted for; any other indicator is refused (invalid_target).
          if (resource !== settings.audience) throw new errors.InvalidTarget();
          return {
            scope: 'openid',
            audience: settings.audience,
            accessTokenTTL: settings.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256', kid: keys.signingKid } },
          };
        },
      },
    },
    ttl: { ClientCredentials: settings.accessTokenTtlSeconds, AccessToken: settings.accessTokenTtlSeconds },
    extraTokenClaims: (ctx) => {
      const { orgId, roles } = clientClaims(ctx);
      return { org_id: orgId, roles };
    },
    formats: {
      customizers: {
        // RFC 9068: `sub` names the service account the token acts for (the client id stays in client_id).
        jwt: (ctx, _token, jwt) => {
          jwt.payload.sub = clientClaims(ctx).serviceAccountId;
        },
      },
    },
  });
  provider.proxy = settings.trustProxy;
  for (const middleware of settings.middleware) provider.use(middleware);
  provider.on('server_error', (_ctx: unknown, error: unknown) => settings.onServerError(error));
  return provider;
}
