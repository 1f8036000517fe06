import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { AppError } from '../../lib/errors/index.js';
import { actorOf, AuthenticationFailure, type Decision } from '../../modules/authz/index.js';
import type { AuditEventInput } from '../../modules/audit/index.js';
import { throttleSource } from '../../platform/rate-limit/index.js';
import type { ApiServices } from '../api-services.js';
import { refuseFrozenOrg } from './refuse-frozen-org.js';
import { requestMeta, type RouteAuthz } from './route-auth.js';

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
    return new AppError('authn.throttled', { publicMessage: `too many failed authentications; retry in ${seconds} s`, details: { retry_after_seconds: seconds } });
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
    try {
      request.principal = await services.apiKeys.authenticate(token, request.ip);
    } catch (error) {
      if (!(error instanceof AuthenticationFailure)) throw error;
      // SECURITY: only failures count, per source and per presented key id (known or not, so 429 reveals nothing).
      // A key id over its limit does not lock its owner out: the right secret still authenticates above.
      const wait = await services.authThrottle.recordFailure(request.ip, error.keyId);
      // The first rejection of a window is stored before the answer; later ones are counted into one summary event.
      await services.rejectedCredentials
        .record({ orgId: error.orgId ?? services.platformOrgId, keyId: error.orgId ? error.keyId : undefined, reason: error.reason, source: throttleSource(request.ip), throttled: wait > 0, ...requestMeta(request) })
        .catch(() => undefined);
      if (wait > 0) throw throttled(reply, wait);
      reply.header('www-authenticate', 'Bearer realm="bulwark", error="invalid_token"');
      throw unauthenticated();
    }
  };
}

/** A route's authorization as recorded for the tenant-isolation matrix and the docs. */
export interface ProtectedRoute {
  method: string;
  url: string;
  action: string;
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

function authorize(services: ApiServices, authz: RouteAuthz): preHandlerHookHandler {
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
      details: { action: authz.action, resource_org_id: resource.orgId, ...(decision.errors.length ? { errors: decision.errors } : {}) },
    };
    if (decision.decision === 'deny') {
      // SECURITY: a denial is recorded before the client hears of it; if the audit log cannot take it, fail closed.
      try {
        await services.audit.record(principal.orgId, [event]);
      } catch (cause) {
        throw new AppError('audit.write_failed', { cause });
      }
      const code = denialCode(decision);
      throw new AppError(code, { details: { reasons: decision.reasons } });
    }
    // Reads: the decision joins the next group commit while the handler runs; onSend waits for it.
    if (READ_METHODS.has(request.method)) request.decisionStored = services.auditBuffer.add(event);
    else request.pendingAudit = [event];
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
    const config = route.config as { authz?: RouteAuthz; public?: boolean } | undefined;
    if (config?.public) return;
    if (!config?.authz) throw new Error(`route ${route.method} ${route.url} declares neither authz nor public`);
    const onRequest = route.onRequest ? [route.onRequest].flat() : [];
    const preHandler = route.preHandler ? [route.preHandler].flat() : [];
    route.onRequest = [authenticate(services), tenantBoundary(services), ...onRequest];
    for (const method of [route.method].flat()) if (method !== 'HEAD') table.push({ method, url: route.url, action: config.authz.action });
    route.preHandler = [authorize(services, config.authz), ...preHandler];
  });
  app.addHook('preParsing', refuseFrozenOrg(services));
  // SECURITY: no read is acknowledged before its decision is stored; if the audit log cannot take it, fail closed.
  app.addHook('onSend', async (request, _reply, payload) => {
    const stored = request.decisionStored;
    if (!stored) return payload;
    request.decisionStored = undefined;
    try {
      await stored;
    } catch (cause) {
      throw new AppError('audit.write_failed', { cause });
    }
    return payload;
  });
  // Safety net: decision events a mutating handler did not append (or whose transaction failed) are still written.
  app.addHook('onResponse', async (request) => {
    const left = [...(request.pendingAudit ?? []), ...(request.uncommittedAudit ?? [])];
    request.pendingAudit = [];
    request.uncommittedAudit = [];
    await Promise.all(left.map((event) => services.auditBuffer.add(event).catch(() => undefined)));
  });
  return table;
}
