import type { ResolvedModel, ResolvedRoute } from '../ports.js';
import { pickArm } from './pick-arm.js';

/** Where one request on a route goes: the primary arm by weight, the other arms as fallbacks, and the shadow. */
export interface RoutePlan {
  route: string;
  version: number;
  primary: ResolvedModel;
  /** The other arms in the route's declared order. */
  fallbacks: ResolvedModel[];
  shadow: ResolvedModel | null;
}

/**
 * The plan of a request on a route: the arm is fixed by the request id, so a retried id lands on the same arm. Without
 * `canary` (the org's plan lacks canary routes) the heaviest arm (the first of equals) takes every request.
 */
export function planRoute(route: ResolvedRoute, requestId: string, options: { canary: boolean }): RoutePlan {
  const weights = route.arms.map((a) => a.weight);
  const index = options.canary ? pickArm(requestId, weights) : weights.indexOf(Math.max(...weights));
  const primary = route.arms[index] ?? route.arms[0];
  if (!primary) throw new Error('a resolved route has at least one arm');
  return {
    route: route.name,
    version: route.version,
    primary: primary.model,
    fallbacks: route.arms.filter((_, i) => i !== index).map((a) => a.model),
    shadow: route.shadow,
  };
}
