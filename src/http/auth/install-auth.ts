import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { AppError } from '../../lib/errors/index.js';
import { actorOf, AuthenticationFailure, type Decision } from '../../modules/authz/index.js';
import type { AuditEventInput } from '../../modules/audit/index.js';
import type { ApiServices } from '../api-services.js';
import { requestMeta, type RouteAuthz } from './route-auth.js';

const BEARER = /^Bearer\s+(\S+)$/i;
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function unauthenticated(): AppError {
  // One generic answer for every failure; the precise reason goes to the audit log only.
  return new AppError('authn.required', { publicMessage: 'valid credentials are required' });
}

function authenticate(services: ApiServices): onRequestHookHandler {
  return async function authenticateRequest(request: FastifyRequest, reply: FastifyReply) {
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
      // A rejected credential is answered only after its audit record is stored (the answer is a 401 either way).
      await services.auditBuffer.add({
        orgId: error.orgId ?? services.platformOrgId,
        actor: { type: 'anonymous', id: null },
        action: 'authn.credential.rejected',
        resource: error.keyId ? { type: 'ApiKey', id: error.keyId } : null,
        decision: 'deny',
        reasonCodes: [error.reason],
        ...requestMeta(request),
      }).catch(() => undefined);
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
      throw new AppError(code, code === 'authz.scope_missing' ? { publicMessage: `the API key lacks the scope ${authz.action}`, details: { reasons: decision.reasons, missing_scope: authz.action } } : { details: { reasons: decision.reasons } });
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
  // SECURITY: no read is acknowledged before its decision is stored; if the audit log cannot take it, fail closed.
  // The error thrown here goes through the error handler (Fastify runs it for onSend errors), so the 503 is
  // problem+json; the read's payload is dropped, and so are the validators the handler set for it.
  app.addHook('onSend', async (request, reply, payload) => {
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
  // Safety net: decision events a mutating handler did not append (or whose transaction failed) are still written.
  app.addHook('onResponse', async (request) => {
    const left = [...(request.pendingAudit ?? []), ...(request.uncommittedAudit ?? [])];
    request.pendingAudit = [];
    request.uncommittedAudit = [];
    await Promise.all(left.map((event) => services.auditBuffer.add(event).catch(() => undefined)));
  });
  return table;
}
