import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { TenantSql } from '../../../platform/db/index.js';
import { requirePlanFeature } from '../../billing/index.js';
import {
  VersionedRegistry,
  type RegistryChangeOptions,
  type VersionedRegistryDeps,
} from '../registry/versioned-registry.js';
import {
  insertShadowComparison,
  lockRouteTargets,
  routeStore,
  selectShadowComparisons,
  type ShadowComparison,
} from './repo.js';
import { checkRouteSpec, type RouteSpec } from './route-spec.js';

/** Dependencies of the model route use cases. */
export interface RouteServiceDeps extends VersionedRegistryDeps {
  /** The kind of the chat/embedding model the org (read under `sql`'s row-level security) can call by this name. */
  modelKind(sql: TenantSql, name: string): Promise<'chat' | 'embedding' | null>;
}

/** Who changes a route, and the request it came with. */
export type RouteChangeOptions = RegistryChangeOptions;

/** Valid route names: the public model names clients send (the migration checks the same). */
export const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

function auditSpec(spec: RouteSpec) {
  return { targets: spec.targets.map((t) => ({ model: t.model, weight: t.weight })), shadow: spec.shadow };
}

/**
 * Model routes: a public model name mapped to weighted targets (canary rollouts), a fallback order and an optional
 * shadow model, with immutable versions and rollback (`gateway.route.created`, `.version_created`, `.rolled_back`; see
 * {@link VersionedRegistry}). Every version's targets are checked when it is written, a rollback's again: a model
 * deleted since then is refused rather than routed to.
 */
export class RouteService extends VersionedRegistry<RouteSpec> {
  readonly #deps: RouteServiceDeps;

  constructor(deps: RouteServiceDeps) {
    super(deps, {
      store: routeStore,
      noun: 'route',
      resourceType: 'Model',
      namePattern: ROUTE_NAME,
      invalidName: () =>
        new AppError('gateway.route_invalid', {
          publicMessage: 'invalid name: letters, digits and . _ : / - (at most 128)',
          details: { issues: [{ field: 'name', message: 'letters, digits and . _ : / - (at most 128)' }] },
        }),
      codes: {
        notFound: 'gateway.route_not_found',
        versionNotFound: 'gateway.route_version_not_found',
        nameTaken: 'gateway.route_name_taken',
      },
      check: async (sql, spec) => {
        // INVARIANT: taken before the targets are read, so a model deletion cannot slip between check and commit.
        await lockRouteTargets(sql);
        // A canary split (two or more weighted targets) and a shadow are plan features; serving checks them again.
        if (spec.targets.filter((t) => t.weight > 0).length > 1)
          await requirePlanFeature(sql, deps.clock, 'canary_routes');
        if (spec.shadow) await requirePlanFeature(sql, deps.clock, 'shadow_routes');
        return checkRouteSpec(spec, (model) => deps.modelKind(sql, model));
      },
      auditDetails: auditSpec,
      contentOf: (version) => ({ targets: version.targets, shadow: version.shadow }),
    });
    this.#deps = deps;
  }

  /** The newest shadow comparisons of a route. */
  comparisons(orgId: OrgId, name: string, limit: number): Promise<ShadowComparison[]> {
    return this.#deps.db.withTenant(orgId, async (sql) => {
      await this.requireExisting(sql, name);
      return selectShadowComparisons(sql, name, { limit });
    });
  }

  /** Stores how a shadow call compared (written by the gateway pipeline after the client has its answer). */
  recordComparison(orgId: OrgId, comparison: ShadowComparison): Promise<void> {
    return this.#deps.db.withTenant(orgId, (sql) => insertShadowComparison(sql, comparison));
  }
}
