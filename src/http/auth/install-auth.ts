import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { AppError } from '../../lib/errors/index.js';
import type { OrgId } from '../../lib/ids.js';
import { actorOf, AuthenticationFailure, type Decision } from '../../modules/authz/index.js';
import { TokenRejected } from '../../modules/oidc/index.js';
import type { AuditEventInput } from '../../modules/audit/index.js';
import { throttleSource } from '../../platform/rate-limit/index.js';
import type { ApiServices } from '../api-services.js';
import { refuseFrozenOrg } from './refuse-frozen-org.js';
import { tokenPrincipal } from './token-principal.js';
import { requestMeta, type RouteAuthz } from './route-auth.js';
import type { RouteTransaction, RouteTransactionScope } from './route-transaction.js';
import type { ModelRouteDeclaration } from '../routes/model-route-declaration.js';

const BEARER = /^Bearer\s+(\S+)$/i;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function unauthenticated(): AppError {
  // One generic answer for every failure; the precise reason goes to the audit log only.
  return new AppError('authn.required', { publicMessage: 'valid credentials are required' });
}

function authenticate(services: ApiServices): onRequestHookHandler {
  const throttled = (reply: FastifyReply, waitMs: number): AppError => {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    reply.header('retry-after', String(seconds));
    return new AppError('authn.throttled', {
      publicMessage: `too many failed authentications; retry in ${seconds} s`,
      details: { retry_after_seconds: seconds },
    });
  };
  // A rejected credential counts against its source (and key id); the first rejection of a window is stored before
  // the answer, later ones are counted into one summary event. Returns what to throw: 429 over the limit, else 401.
  const rejected = async (
    request: FastifyRequest,
    reply: FastifyReply,
    failure: { orgId?: OrgId | undefined; throttleKeyId?: string; keyId: string | undefined; reason: string },
  ): Promise<AppError> => {
    const wait = await services.authThrottle.recordFailure(request.ip, failure.throttleKeyId);
    await services.rejectedCredentials
      .record({
        orgId: failure.orgId ?? services.platformOrgId,
        keyId: failure.keyId,
        reason: failure.reason,
        source: throttleSource(request.ip),
        throttled: wait > 0,
        ...requestMeta(request),
      })
      .catch(() => undefined);
    if (wait > 0) return throttled(reply, wait);
    reply.header('www-authenticate', 'Bearer realm="bulwark", error="invalid_token"');
    return unauthenticated();
  };
  // SECURITY: an access token's org, account, roles and amr come from its verified claims and the account as it
  // stands; the principal is a service account or a user, and the Cedar decision below applies to it unchanged.
  const authenticateAccessToken = async (request: FastifyRequest, reply: FastifyReply, token: string) => {
    try {
      const account = await services.oidc.authenticate(token);
      request.principal = tokenPrincipal(account);
    } catch (error) {
      if (!(error instanceof TokenRejected)) throw error;
      throw await rejected(request, reply, { orgId: error.orgId, keyId: undefined, reason: error.reason });
    }
  };
  return async function authenticateRequest(request: FastifyRequest, reply: FastifyReply) {
    // SECURITY: a source that failed too often is refused before its credential is parsed or looked up (valid or not).
    const sourceWait = await services.authThrottle.sourceBlockedFor(request.ip);
    if (sourceWait > 0) throw throttled(reply, sourceWait);
    const header = request.headers.authorization;
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    if (!token) {
      reply.header('www-authenticate', 'Bearer realm="bulwark"');
      throw unauthenticated();
    }
    // An API key starts `bwk_`; anything else is tried as an access token of our OpenID provider.
    if (!token.startsWith('bwk_')) return authenticateAccessToken(request, reply, token);
    try {
      request.principal = await services.apiKeys.authenticate(token, request.ip);
    } catch (error) {
      if (!(error instanceof AuthenticationFailure)) throw error;
      // SECURITY: only failures count, per source and per presented key id (known or not, so 429 reveals nothing).
      // A key id over its limit does not lock its owner out: the right secret still authenticates above.
      throw await rejected(request, reply, {
        orgId: error.orgId,
        throttleKeyId: error.keyId,
        keyId: error.orgId ? error.keyId : undefined,
        reason: error.reason,
      });
    }
  };
}

/** A route's authorization as recorded for the tenant-isolation matrix and the docs. */
export interface ProtectedRoute {
  method: string;
  url: string;
  action: string;
  /** The transaction a mutating route declared (`none` for reads). */
  transaction: RouteTransactionScope;
  /** A model route's declaration (`config.gateway`), when it has one. */
  gateway?: ModelRouteDeclaration;
}

// SECURITY: a path naming another org is refused before the body is parsed or any tenant data is read.
// Cedar's tenant-boundary forbid would deny it too; this check makes the answer uniform (404) and cheap.
function tenantBoundary(services: ApiServices): onRequestHookHandler {
  return async function checkTenantBoundary(request: FastifyRequest) {
    const pathOrg = (request.params as { org_id?: string }).org_id;
    const principal = request.principal;
    if (!principal || pathOrg === undefined || pathOrg === principal.orgId) return;
    await services.audit.record(principal.orgId, [
      {
        orgId: principal.orgId,
        actor: actorOf(principal),
        action: 'authz.decision.made',
        resource: { type: 'Org', id: pathOrg.slice(0, 64) },
        decision: 'deny',
        reasonCodes: ['authz.tenant_boundary'],
        ...requestMeta(request),
        details: { route: request.routeOptions.url ?? request.url, method: request.method },
      },
    ]);
    throw new AppError('authz.tenant_boundary', { publicMessage: 'Not found' });
  };
}

function denialCode(decision: Decision): 'authz.scope_missing' | 'authz.policy_error' | 'authz.denied' {
  if (decision.reasons.includes('authz.scope_missing')) return 'authz.scope_missing';
  if (decision.reasons.includes('authz.policy_error')) return 'authz.policy_error';
  return 'authz.denied';
}

function authorize(
  services: ApiServices,
  authz: RouteAuthz,
  transaction: RouteTransactionScope,
  modelRoute: boolean,
): preHandlerHookHandler {
  return async function authorizeRequest(request: FastifyRequest) {
    const principal = request.principal;
    if (!principal) throw unauthenticated();
    const resource = await authz.resource(request, services);
    request.authzResource = resource;
    await services.policies.ensureLoaded(principal.orgId);
    const decision = services.engine.decide(principal, authz.action, resource, { ip: request.ip });
    services.metrics.authzDecisions.inc({ decision: decision.decision, action: authz.action });
    const event: AuditEventInput = {
      orgId: principal.orgId,
      actor: actorOf(principal),
      action: 'authz.decision.made',
      resource: { type: resource.type, id: resource.id },
      decision: decision.decision,
      reasonCodes: decision.reasons,
      ...requestMeta(request),
      details: {
        action: authz.action,
        resource_org_id: resource.orgId,
        ...(decision.errors.length ? { errors: decision.errors } : {}),
      },
    };
    if (decision.decision === 'deny') {
      // SECURITY: a denial is recorded before the client hears of it; if the audit log cannot take it, fail closed.
      try {
        await services.audit.record(principal.orgId, [event]);
      } catch (cause) {
        throw new AppError('audit.write_failed', { cause });
      }
      const code = denialCode(decision);
      throw new AppError(
        code,
        code === 'authz.scope_missing'
          ? {
              publicMessage: `the API key lacks the scope ${authz.action}`,
              details: { reasons: decision.reasons, missing_scope: authz.action },
            }
          : { details: { reasons: decision.reasons } },
      );
    }
    // Reads: the decision joins the next group commit while the handler runs; onSend waits for it.
    // A POST that changes nothing (validate, explain, audit verify) waits for it first, so `audit verify` sees a
    // chain that is not growing under it with its own decision.
    // Model calls join it too: the gateway's own event of the call, written at its end, is what records its effect.
    // Mutations: the route's transaction appends it with the change (see openTransaction).
    if (transaction === 'none' && (READ_METHODS.has(request.method) || modelRoute)) {
      const stored = services.auditBuffer.add(event);
      // Awaited by onSend; a failure that arrives while the handler still runs is not an unhandled rejection.
      stored.catch(() => undefined);
      request.decisionStored = stored;
    } else if (transaction === 'none') {
      try {
        await services.auditBuffer.add(event);
      } catch (cause) {
        throw new AppError('audit.write_failed', { cause });
      }
    } else request.allowedDecision = event;
  };
}

// INVARIANT: a mutation's allowed decision is written only inside the transaction of its change, so the two
// commit together or not at all; a change that fails leaves no "allow" on the record (a denial is stored above).
function openTransaction(services: ApiServices, scope: Exclude<RouteTransactionScope, 'none'>): preHandlerHookHandler {
  return async function prepareTransaction(request: FastifyRequest) {
    let state: 'unused' | 'open' | 'committed' | 'failed' = 'unused';
    const decision = request.allowedDecision;
    request.allowedDecision = undefined;
    async function once<T>(wanted: typeof scope, run: () => Promise<T>): Promise<T> {
      if (wanted !== scope)
        throw new Error(
          `route ${request.method} ${request.routeOptions.url ?? request.url} declared a ${scope} transaction, not ${wanted}`,
        );
      // One use case, one transaction: a second transaction would commit apart from the decision.
      if (state !== 'unused')
        throw new Error(
          `route ${request.method} ${request.routeOptions.url ?? request.url} opened its transaction twice`,
        );
      state = 'open';
      try {
        const result = await run();
        state = 'committed';
        return result;
      } catch (error) {
        state = 'failed';
        throw error;
      }
    }
    const tx: RouteTransaction = {
      scope,
      get committed() {
        return state === 'committed';
      },
      tenant: (fn) =>
        once('tenant', () => {
          const orgId = (request.params as { org_id?: OrgId }).org_id ?? request.principal?.orgId;
          if (!orgId) throw new Error('a tenant transaction needs an org');
          return services.db.withTenant(orgId, async (sql) => {
            if (decision) {
              if (decision.orgId !== orgId) throw new AppError('authz.tenant_boundary', { publicMessage: 'Not found' });
              await services.audit.append(sql, [decision]);
            }
            return fn(sql);
          });
        }),
      platform: (fn) =>
        once('platform', () =>
          services.db.withPlatform(async (platform) => {
            // INVARIANT: chains are locked platform first (inChainLockOrder): a platform use case may write to the
            // platform chain after the decision's org, so its lock is taken before the decision is appended.
            if (decision && decision.orgId !== services.platformOrgId)
              await platform.inTenant(services.platformOrgId, (sql) => services.audit.lockChain(sql));
            if (decision) await platform.inTenant(decision.orgId, (sql) => services.audit.append(sql, [decision]));
            return fn(platform);
          }),
        ),
    };
    request.routeTransaction = tx;
  };
}

/**
 * Puts every /v1 route behind authentication and a Cedar decision. A /v1 route that declares neither
 * `authz` nor `public` is refused at startup, so nothing is reachable by accident.
 */
export function installAuth(app: FastifyInstance, services: ApiServices): ProtectedRoute[] {
  const table: ProtectedRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const config = route.config as
      | { authz?: RouteAuthz; public?: boolean; transaction?: RouteTransactionScope; gateway?: ModelRouteDeclaration }
      | undefined;
    const methods = [route.method].flat();
    const mutates = methods.some((method) => !READ_METHODS.has(method));
    // SECURITY: a route that may change state names its transaction, so its decision commits with the change.
    if (mutates && !config?.transaction)
      throw new Error(
        `route ${methods.join(',')} ${route.url} changes state but declares no transaction (config.transaction: 'tenant' | 'platform' | 'none')`,
      );
    const transaction = mutates ? (config?.transaction ?? 'none') : 'none';
    const preHandler = route.preHandler ? [route.preHandler].flat() : [];
    const transactionHooks = transaction === 'none' ? [] : [openTransaction(services, transaction)];
    if (config?.public) {
      route.preHandler = [...transactionHooks, ...preHandler];
      return;
    }
    if (!config?.authz) throw new Error(`route ${route.method} ${route.url} declares neither authz nor public`);
    const onRequest = route.onRequest ? [route.onRequest].flat() : [];
    route.onRequest = [authenticate(services), tenantBoundary(services), ...onRequest];
    for (const method of methods)
      if (method !== 'HEAD')
        table.push({
          method,
          url: route.url,
          action: config.authz.action,
          transaction,
          ...(config.gateway ? { gateway: config.gateway } : {}),
        });
    route.preHandler = [
      authorize(services, config.authz, transaction, config.gateway !== undefined),
      ...transactionHooks,
      ...preHandler,
    ];
  });
  app.addHook('preParsing', refuseFrozenOrg(services));
  // SECURITY: no read is acknowledged before its decision is stored; if the audit log cannot take it, fail closed.
  // The error thrown here goes through the error handler (Fastify runs it for onSend errors), so the 503 is
  // problem+json; the read's payload is dropped, and so are the validators the handler set for it.
  app.addHook('onSend', async (request, reply, payload) => {
    // INVARIANT: a mutation is never answered as a success unless its declared transaction committed.
    if (request.routeTransaction && reply.statusCode < 400 && !request.routeTransaction.committed) {
      request.routeTransaction = undefined;
      throw new AppError('internal.error', {
        cause: new Error(
          `route ${request.method} ${request.routeOptions.url ?? request.url} answered without committing its transaction`,
        ),
      });
    }
    const stored = request.decisionStored;
    if (!stored) return payload;
    request.decisionStored = undefined;
    try {
      await stored;
    } catch (cause) {
      reply.removeHeader('etag');
      reply.removeHeader('last-modified');
      throw new AppError('audit.write_failed', { cause });
    }
    return payload;
  });
  return table;
}
