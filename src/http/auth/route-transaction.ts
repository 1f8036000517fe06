import type { FastifyRequest } from 'fastify';
import type { PlatformSql, TenantSql } from '../../platform/db/index.js';

/**
 * The transaction a route's use case runs in, declared in the route's config. `tenant`: the path org's tenant
 * scope; `platform`: the platform scope (which may enter tenants); `none`: the route changes nothing, and its
 * decision is stored like a read's. Every /v1 route with a method other than GET/HEAD/OPTIONS must declare one.
 */
export type RouteTransactionScope = 'tenant' | 'platform' | 'none';

/** The transaction the framework opens for a mutating request; made by `installAuth`, used once by the handler. */
export interface RouteTransaction {
  readonly scope: Exclude<RouteTransactionScope, 'none'>;
  /** True once the transaction (change and allowed decision) has committed. */
  readonly committed: boolean;
  tenant<T>(fn: (sql: TenantSql) => Promise<T>): Promise<T>;
  platform<T>(fn: (sql: PlatformSql) => Promise<T>): Promise<T>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The route's transaction, opened on demand by `inTenantTransaction` / `inPlatformTransaction`. */
    routeTransaction?: RouteTransaction;
  }
}

function transactionOf(request: FastifyRequest): RouteTransaction {
  const tx = request.routeTransaction;
  if (!tx)
    throw new Error(`route ${request.method} ${request.routeOptions.url ?? request.url} declares no transaction`);
  return tx;
}

/**
 * Runs the request's use case in the tenant transaction the route declared: the framework opens it, appends the
 * allowed decision inside it, and commits both with the change, or neither. Callable once per request.
 */
export function inTenantTransaction<T>(request: FastifyRequest, fn: (sql: TenantSql) => Promise<T>): Promise<T> {
  return transactionOf(request).tenant(fn);
}

/** Like `inTenantTransaction` for a route that declared the platform transaction. */
export function inPlatformTransaction<T>(request: FastifyRequest, fn: (sql: PlatformSql) => Promise<T>): Promise<T> {
  return transactionOf(request).platform(fn);
}
