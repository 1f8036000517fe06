import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import {
  lockRouteTargets,
  insertRouteHead,
  insertRouteVersion,
  insertShadowComparison,
  selectRouteHead,
  selectRouteHeads,
  selectRouteVersion,
  selectRouteVersions,
  selectShadowComparisons,
  updateRouteHead,
  type RouteHead,
  type RouteVersion,
  type ShadowComparison,
} from './repo.js';
import { checkRouteSpec, type RouteSpec } from './route-spec.js';

/** Dependencies of the model route use cases. */
export interface RouteServiceDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  /** The kind of the chat/embedding model the org (read under `sql`'s row-level security) can call by this name. */
  modelKind(sql: TenantSql, name: string): Promise<'chat' | 'embedding' | null>;
}

/** Who changes a route, and the request it came with. */
export interface RouteChangeOptions {
  actor: AuditActor;
  requestId?: string;
}

/** Valid route names: the public model names clients send (the migration checks the same). */
export const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

const notFound = () => new AppError('gateway.route_not_found');

function auditSpec(spec: RouteSpec) {
  return { targets: spec.targets.map((t) => ({ model: t.model, weight: t.weight })), shadow: spec.shadow };
}

/**
 * Model routes: a public model name mapped to weighted targets (canary rollouts), a fallback order and an optional
 * shadow model, with immutable versions and rollback. Every change is one use case in the caller's tenant transaction
 * with its audit event (`gateway.route.created`, `.version_created`, `.rolled_back`); a rollback to version N appends
 * a new version with N's content (`restored_from: N`), so history stays append-only.
 */
export class RouteService {
  constructor(private readonly deps: RouteServiceDeps) {}

  /** Creates a route at version 1 (`gateway.route.created`); a taken name is `gateway.route_name_taken`. */
  async create(sql: TenantSql, name: string, spec: RouteSpec, options: RouteChangeOptions): Promise<RouteVersion> {
    if (!ROUTE_NAME.test(name))
      throw new AppError('gateway.route_invalid', {
        publicMessage: 'invalid name: letters, digits and . _ : / - (at most 128)',
        details: { issues: [{ field: 'name', message: 'letters, digits and . _ : / - (at most 128)' }] },
      });
    const checked = await this.#check(sql, spec);
    if (await selectRouteHead(sql, name)) throw new AppError('gateway.route_name_taken');
    await insertRouteHead(sql, name, this.deps.clock.now());
    return this.#append(sql, 'gateway.route.created', { name, version: 1, spec: checked, restoredFrom: null }, options);
  }

  /** Appends a version (`gateway.route.version_created`); a head other than `expectedVersion` is 412. */
  async addVersion(
    sql: TenantSql,
    name: string,
    expectedVersion: number,
    spec: RouteSpec,
    options: RouteChangeOptions,
  ): Promise<RouteVersion> {
    const head = await this.#lockHead(sql, name);
    if (head.headVersion !== expectedVersion)
      throw new AppError('http.precondition_failed', {
        publicMessage: `the route is at version ${head.headVersion}; send If-Match: "v${head.headVersion}"`,
      });
    const checked = await this.#check(sql, spec);
    return this.#append(
      sql,
      'gateway.route.version_created',
      { name, version: head.headVersion + 1, spec: checked, restoredFrom: null },
      options,
    );
  }

  /**
   * Rolls a route back to an earlier version: a new version with that version's content (`gateway.route.rolled_back`).
   * The restored targets are checked again: a model deleted since then is refused rather than routed to.
   */
  async rollback(sql: TenantSql, name: string, toVersion: number, options: RouteChangeOptions): Promise<RouteVersion> {
    const head = await this.#lockHead(sql, name);
    const target = await selectRouteVersion(sql, name, toVersion);
    if (!target) throw new AppError('gateway.route_version_not_found');
    const checked = await this.#check(sql, { targets: target.targets, shadow: target.shadow });
    return this.#append(
      sql,
      'gateway.route.rolled_back',
      { name, version: head.headVersion + 1, spec: checked, restoredFrom: target.version },
      options,
      { from_version: head.headVersion },
    );
  }

  /** A route's head version, or the version asked for. */
  get(orgId: OrgId, name: string, version?: number): Promise<RouteVersion> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      if (!ROUTE_NAME.test(name)) throw notFound();
      const found = await selectRouteVersion(sql, name, version);
      if (found) return found;
      if (version !== undefined && (await selectRouteHead(sql, name)))
        throw new AppError('gateway.route_version_not_found');
      throw notFound();
    });
  }

  /** A page of the org's routes in name order. */
  list(orgId: OrgId, page: { limit: number; afterName?: string }): Promise<RouteHead[]> {
    return this.deps.db.withTenant(orgId, (sql) => selectRouteHeads(sql, page));
  }

  /** A page of a route's versions, newest first. */
  versions(orgId: OrgId, name: string, page: { limit: number; beforeVersion?: number }): Promise<RouteVersion[]> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      if (!ROUTE_NAME.test(name) || !(await selectRouteHead(sql, name))) throw notFound();
      return selectRouteVersions(sql, name, page);
    });
  }

  /** The newest shadow comparisons of a route. */
  comparisons(orgId: OrgId, name: string, limit: number): Promise<ShadowComparison[]> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      if (!ROUTE_NAME.test(name) || !(await selectRouteHead(sql, name))) throw notFound();
      return selectShadowComparisons(sql, name, { limit });
    });
  }

  /** Stores how a shadow call compared (written by the gateway pipeline after the client has its answer). */
  recordComparison(orgId: OrgId, comparison: ShadowComparison): Promise<void> {
    return this.deps.db.withTenant(orgId, (sql) => insertShadowComparison(sql, comparison));
  }

  async #check(sql: TenantSql, spec: RouteSpec): Promise<RouteSpec> {
    await lockRouteTargets(sql);
    return checkRouteSpec(spec, (model) => this.deps.modelKind(sql, model));
  }

  async #lockHead(sql: TenantSql, name: string): Promise<RouteHead> {
    const head = ROUTE_NAME.test(name) ? await selectRouteHead(sql, name, { forUpdate: true }) : undefined;
    if (!head) throw notFound();
    return head;
  }

  async #append(
    sql: TenantSql,
    action: string,
    next: { name: string; version: number; spec: RouteSpec; restoredFrom: number | null },
    options: RouteChangeOptions,
    extra: Record<string, unknown> = {},
  ): Promise<RouteVersion> {
    const now = this.deps.clock.now();
    const version: RouteVersion = {
      name: next.name,
      version: next.version,
      ...next.spec,
      restoredFrom: next.restoredFrom,
      createdBy: options.actor,
      createdAt: now,
    };
    await insertRouteVersion(sql, version);
    if (next.version > 1) await updateRouteHead(sql, next.name, next.version, now);
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: options.actor,
        action,
        resource: { type: 'Model', id: next.name },
        decision: 'info',
        reasonCodes: [],
        requestId: options.requestId ?? null,
        details: {
          name: next.name,
          version: next.version,
          ...(next.restoredFrom !== null ? { restored_from: next.restoredFrom } : {}),
          ...auditSpec(next.spec),
          ...extra,
        },
      },
    ]);
    return version;
  }
}
