// Model routes: weighted arms (canary), fallback order, shadow calls, versions and rollback.
export { RouteService, type RouteChangeOptions, type RouteServiceDeps } from './route-service.js';
export { RoutedCatalog } from './routed-catalog.js';
export { modelKindIn } from './model-kind.js';
export { planRoute, type RoutePlan } from './route-plan.js';
export type { RouteSpec, RouteTarget } from './route-spec.js';
export type { RouteHead, RouteVersion, ShadowComparison } from './repo.js';
export { lockRouteTargets, routesTargetingModel } from './repo.js';
export {
  createRouteBodySchema,
  routeContentSchema,
  routeHeadSchema,
  routeNameSchema,
  routeSpecOf,
  routeVersionSchema,
  shadowComparisonSchema,
  toRouteHeadWire,
  toRouteVersionWire,
  toShadowComparisonWire,
} from './schema.js';
