import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { ModelCatalog, ResolvedModel } from '../ports.js';
import { routeStore, type RouteVersion } from './repo.js';
import { ROUTE_NAME } from './route-service.js';

/**
 * The catalogue with model routes over it: a name that is a route of the org resolves to its head version's arms,
 * each arm's model through the underlying catalogue (org models, then built-in ones), read under the org's
 * row-level security; any other name goes to the underlying catalogue. A route shadows a model of the same name.
 * An arm whose model has gone since the version was written is left out; a route with no arm left is not found.
 */
export class RoutedCatalog implements ModelCatalog {
  constructor(private readonly deps: { db: Db; models: ModelCatalog }) {}

  /** The route of this name resolved to its arms, else the underlying catalogue's model. */
  async resolve(orgId: OrgId, name: string): Promise<ResolvedModel | null> {
    const route = ROUTE_NAME.test(name)
      ? await this.deps.db.withTenant(orgId, (sql) => routeStore.version(sql, name))
      : undefined;
    if (!route) return this.deps.models.resolve(orgId, name);
    return this.#resolveRoute(orgId, route);
  }

  /** The org's routes (as models named by the route), then the underlying catalogue's models they do not shadow. */
  async list(orgId: OrgId): Promise<ResolvedModel[]> {
    const routes = await this.deps.db.withTenant(orgId, (sql) => routeStore.headVersions(sql));
    const resolved: ResolvedModel[] = [];
    for (const route of routes) {
      const model = await this.#resolveRoute(orgId, route);
      if (model) resolved.push(model);
    }
    const names = new Set(routes.map((r) => r.name));
    return [...resolved, ...(await this.deps.models.list(orgId)).filter((m) => !names.has(m.name))];
  }

  async #resolveRoute(orgId: OrgId, route: RouteVersion): Promise<ResolvedModel | null> {
    const arms: { model: ResolvedModel; weight: number }[] = [];
    for (const target of route.targets) {
      const model = await this.deps.models.resolve(orgId, target.model);
      if (model && model.attributes.kind === 'chat') arms.push({ model, weight: target.weight });
    }
    const first = arms[0];
    if (!first) return null;
    const shadow = route.shadow === null ? null : await this.deps.models.resolve(orgId, route.shadow);
    return {
      name: route.name,
      // What a listing shows and what the kind check reads; each call is decided on the arm it goes to.
      attributes: first.model.attributes,
      targets: [],
      route: {
        name: route.name,
        version: route.version,
        arms,
        shadow: shadow && shadow.attributes.kind === 'chat' ? shadow : null,
      },
    };
  }
}
