import type { Principal } from '../principal.js';
import type { DecisionContext, ResourceDescriptor } from './types.js';

/** The generations a cached decision was made under; a bump of either makes older entries unreachable. */
export interface CacheGenerations {
  global: number;
  org: number;
}

/**
 * The cache key of a decision. INVARIANT: it holds everything the decision depends on: policy generations,
 * the principal (id, kind, org, roles, attributes, scopes, owner), the action, the resource (type, id, org,
 * attributes), the effective amr and `now`, and the rest of the context in a canonical key order.
 * JSON encoding keeps the parts unambiguous whatever characters ids contain.
 */
export function decisionCacheKey(
  generations: CacheGenerations,
  principal: Principal,
  action: string,
  resource: ResourceDescriptor,
  context: DecisionContext,
  amr: readonly string[],
  now: string | undefined,
): string {
  const attrs = resource.attributes;
  const extra: unknown[] = [];
  const keys = Object.keys(context);
  if (keys.length > 0) {
    keys.sort();
    for (const key of keys) {
      if (key === 'amr' || key === 'now' || context[key] === undefined) continue;
      extra.push(key, context[key]);
    }
  }
  return JSON.stringify([
    generations.global,
    generations.org,
    principal.kind,
    principal.id,
    principal.orgId,
    principal.roles,
    principal.attributes.region,
    principal.attributes.projects,
    principal.scopes,
    principal.ownerId,
    action,
    resource.type,
    resource.id,
    resource.orgId,
    attrs?.region,
    attrs?.project,
    attrs?.ownerId,
    attrs?.classification,
    amr,
    now,
    extra,
  ]);
}
