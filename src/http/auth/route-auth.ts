import type { FastifyRequest } from 'fastify';
import type { AuditEventInput } from '../../modules/audit/index.js';
import type { Action, Principal, ResourceDescriptor } from '../../modules/authz/index.js';
import type { ApiServices } from '../api-services.js';
import type { RouteTransactionScope } from './route-transaction.js';

/** How a route is authorized: the action and a builder of the resource it acts on. */
export interface RouteAuthz {
  action: Action;
  resource: (request: FastifyRequest, services: ApiServices) => ResourceDescriptor | Promise<ResourceDescriptor>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Authorization of the route. Every /v1 route needs it unless `public` is set (deny by default). */
    authz?: RouteAuthz;
    /** The route needs no credentials (bootstrap redemption, health). */
    public?: boolean;
    /** The transaction its use case runs in; required on every /v1 route with a method other than GET/HEAD/OPTIONS. */
    transaction?: RouteTransactionScope;
  }
  interface FastifyRequest {
    /** Who is calling; set by authentication on every non-public route. */
    principal?: Principal;
    /** The resource the route's decision was made on. */
    authzResource?: ResourceDescriptor;
    /** The allowed decision of a mutating request, until the route's transaction takes it. */
    allowedDecision?: AuditEventInput;
    /** Resolves when a read's decision event is stored; the response waits for it. */
    decisionStored?: Promise<void>;
  }
}

/** The authenticated principal of a request; only called on routes that require one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route has no authenticated principal');
  return request.principal;
}

/** Request facts recorded with every change. */
export function requestMeta(request: FastifyRequest): { requestId: string; clientIp: string; userAgent?: string } {
  const ua = request.headers['user-agent'];
  return { requestId: request.id, clientIp: request.ip, ...(ua ? { userAgent: ua.slice(0, 512) } : {}) };
}
