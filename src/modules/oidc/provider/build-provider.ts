import Provider, { errors, interactionPolicy, type Adapter, type KoaContextWithOIDC } from 'oidc-provider';
import type { KeySet } from '../signing-keys/keyring.js';
import { TOKEN_LEEWAY_SECONDS } from '../tokens/verify-access-token.js';
import { PHISHING_RESISTANT_ACR, SIGN_IN_ACRS } from '../interactions/sign-in-methods.js';

/** How long refresh tokens live: `idleSeconds` from their last use, never beyond `absoluteSeconds` from the login. */
export interface RefreshLifetimes {
  idleSeconds: number;
  absoluteSeconds: number;
}

/** What the provider is configured from. */
export interface ProviderSettings {
  issuer: string;
  /** The Bulwark API's resource indicator: the audience of every access token. */
  audience: string;
  accessTokenTtlSeconds: number;
  refresh: RefreshLifetimes;
  /** How long a browser's sign-in session lasts (single sign-on across the org's applications). */
  sessionTtlSeconds: number;
  /** Trust X-Forwarded-* for the URLs the provider builds (as Fastify's trustProxy). */
  trustProxy: boolean;
  /** Keys that sign the provider's cookies, newest first (the same on every node). */
  cookieKeys: string[];
  /** The path of an interaction's page (sign-in, consent), served by Bulwark outside the provider. */
  interactionPath: (uid: string) => string;
  adapter: (model: string) => Adapter;
  /** The standing grant a user gave a client in an earlier session (consent is asked once, not per browser). */
  findGrantId: (userId: string, clientId: string) => Promise<string | undefined>;
  /** Whether `sub` is a user who may still sign in (an active account). */
  userIsActive: (userId: string) => Promise<boolean>;
  /** The roles a user token carries in the client's org (it throws InvalidGrant for a user who is no member). */
  userRoles: (input: { orgId: string; userId: string; amr: readonly string[] }) => Promise<string[]>;
  /** The pages of RP-initiated logout (the provider's form is embedded in the first). */
  logoutPages: {
    confirm: (form: string, clientName: string | undefined) => string;
    done: () => string;
    /** The pages' policy; `returnTo` is the (registered) post-logout redirect URI the form leads to. */
    contentSecurityPolicy: (returnTo: string | undefined) => string;
  };
  /** Koa middleware run around every provider route (introspection and revocation of our JWTs). */
  middleware: readonly Parameters<Provider['use']>[0][];
  /** Reports an error the provider answered with `server_error`. */
  onServerError: (error: unknown) => void;
}

interface ClientMetadata {
  orgId: string;
  kind: 'service' | 'app';
  serviceAccountId?: string;
  roles: string[];
  firstParty: boolean;
}

function clientOf(ctx: KoaContextWithOIDC): ClientMetadata {
  const metadata: Record<string, unknown> = ctx.oidc.client?.metadata() ?? {};
  const { org_id: orgId, kind, service_account_id: serviceAccountId, roles, first_party: firstParty } = metadata;
  if (typeof orgId !== 'string' || (kind !== 'service' && kind !== 'app'))
    throw new errors.InvalidClient('client is not a Bulwark client');
  if (kind === 'service' && (typeof serviceAccountId !== 'string' || !Array.isArray(roles)))
    throw new errors.InvalidClient('client is not a service account client');
  return {
    orgId,
    kind,
    ...(typeof serviceAccountId === 'string' ? { serviceAccountId } : {}),
    roles: Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [],
    firstParty: firstParty === true,
  };
}

// The authentication a user token was issued under: the code's (authorization_code) or the refresh token's.
function signInOf(ctx: KoaContextWithOIDC): { amr: string[]; acr: string } {
  const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
  return { amr: source?.amr ?? [], acr: source?.acr ?? '' };
}

const epochNow = () => Math.floor(Date.now() / 1000);

// SECURITY: a client asking for a phishing-resistant sign-in (acr_values=phr) gets a new login, with a passkey,
// when the session's was weaker; a session is never silently upgraded.
const stepUpCheck = new interactionPolicy.Check(
  'acr_step_up',
  'a phishing-resistant sign-in (passkey) is required',
  (ctx) => {
    const wanted = (ctx.oidc.params?.acr_values as string | undefined)?.split(' ') ?? [];
    if (!wanted.includes(PHISHING_RESISTANT_ACR) || ctx.oidc.result?.login)
      return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    return ctx.oidc.session?.acr === PHISHING_RESISTANT_ACR
      ? interactionPolicy.Check.NO_NEED_TO_PROMPT
      : interactionPolicy.Check.REQUEST_PROMPT;
  },
);

function interactionPrompts() {
  const prompts = interactionPolicy.base();
  prompts.get('login')?.checks.add(stepUpCheck);
  return prompts;
}

/**
 * An oidc-provider instance for one key set. What is offered: the authorization code flow with PKCE S256 for every
 * client (public and confidential), refresh tokens that rotate on every use (a spent one presented again revokes
 * its whole grant), client_credentials for service-account clients (client_secret_basic or private_key_jwt),
 * introspection, revocation and RP-initiated logout. No response type but `code` is offered (implicit and hybrid
 * get `unsupported_response_type`) and the password grant is unknown (`unsupported_grant_type`). Access tokens are
 * RFC 9068 JWTs for the Bulwark API, signed ES256 by the key set's signing key.
 */
export function buildProvider(settings: ProviderSettings, keys: KeySet): Provider {
  const { refresh } = settings;
  const provider = new Provider(settings.issuer, {
    adapter: settings.adapter,
    jwks: { keys: [...keys.privateJwks] },
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access'],
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'] },
    acrValues: [...SIGN_IN_ACRS],
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt', 'none'],
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
    extraClientMetadata: { properties: ['org_id', 'kind', 'service_account_id', 'roles', 'first_party'] },
    clockTolerance: TOKEN_LEEWAY_SECONDS,
    cookies: {
      keys: settings.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', secure: settings.issuer.startsWith('https://') },
      short: { httpOnly: true, sameSite: 'lax', secure: settings.issuer.startsWith('https://') },
    },
    // SECURITY: PKCE (S256, the only method oidc-provider 9 knows) for every client, confidential ones too.
    pkce: { required: () => true },
    interactions: {
      url: (_ctx, interaction) => settings.interactionPath(interaction.uid),
      policy: interactionPrompts(),
    },
    async findAccount(_ctx, sub) {
      if (!(await settings.userIsActive(sub))) return undefined;
      return { accountId: sub, claims: () => ({ sub }) };
    },
    // A user's consent to a client stands across sessions until its grant is revoked. First-party clients (the
    // platform's own) skip the consent screen: their grant is made here.
    async loadExistingGrant(ctx) {
      const { session, client } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId =
        ctx.oidc.result?.consent?.grantId ??
        session.grantIdFor(client.clientId) ??
        (await settings.findGrantId(session.accountId, client.clientId));
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!clientOf(ctx).firstParty) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid offline_access');
      grant.addResourceScope(settings.audience, 'openid');
      await grant.save();
      return grant;
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // Refresh tokens live by their own idle and absolute lifetimes; logout revokes the session's grants.
    expiresWithSession: () => false,
    renderError: (ctx, out) => {
      // Errors the provider cannot redirect (no valid redirect_uri) get Bulwark's OAuth error shape, not an HTML page.
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
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          const returnTo = ctx.oidc.params?.post_logout_redirect_uri;
          const policy = settings.logoutPages.contentSecurityPolicy(
            typeof returnTo === 'string' ? returnTo : undefined,
          );
          ctx.set('content-security-policy', policy);
          ctx.body = settings.logoutPages.confirm(form, ctx.oidc.client?.clientName);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.set('content-security-policy', settings.logoutPages.contentSecurityPolicy(undefined));
          ctx.body = settings.logoutPages.done();
        },
      },
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
    ttl: {
      ClientCredentials: settings.accessTokenTtlSeconds,
      AccessToken: settings.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: settings.accessTokenTtlSeconds,
      Interaction: 15 * 60,
      Session: settings.sessionTtlSeconds,
      Grant: refresh.absoluteSeconds,
      RefreshToken: (_ctx, token) => {
        const loggedInAt = token.iiat ?? epochNow();
        return Math.max(1, Math.min(refresh.idleSeconds, loggedInAt + refresh.absoluteSeconds - epochNow()));
      },
    },
    async extraTokenClaims(ctx) {
      const client = clientOf(ctx);
      if (client.kind === 'service') return { org_id: client.orgId, roles: client.roles };
      const userId = ctx.oidc.entities.Account?.accountId;
      if (!userId) throw new errors.InvalidGrant('no signed-in user');
      const signIn = signInOf(ctx);
      const roles = await settings.userRoles({ orgId: client.orgId, userId, amr: signIn.amr });
      return { org_id: client.orgId, roles, amr: signIn.amr, acr: signIn.acr };
    },
    formats: {
      customizers: {
        jwt: (ctx, token, jwt) => {
          const client = clientOf(ctx);
          // RFC 9068: `sub` names the service account the token acts for (the client id stays in client_id).
          if (client.kind === 'service' && client.serviceAccountId) jwt.payload.sub = client.serviceAccountId;
          // A user token names its grant, so the API ends it when the grant is revoked (logout, refresh reuse).
          if (client.kind === 'app' && 'grantId' in token && typeof token.grantId === 'string')
            jwt.payload.grant_id = token.grantId;
        },
      },
    },
  });
  provider.proxy = settings.trustProxy;
  for (const middleware of settings.middleware) provider.use(middleware);
  provider.on('server_error', (_ctx: unknown, error: unknown) => settings.onServerError(error));
  return provider;
}
