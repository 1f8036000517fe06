import { AppError } from '../../../lib/errors/index.js';

/** Most weighted targets one route version may have. */
export const MAX_ROUTE_TARGETS = 8;

/** One weighted target of a route: a chat model of the org (its own or a built-in one) and its share of traffic. */
export interface RouteTarget {
  model: string;
  /** 0–100; the weights of a route sum to 100. A 0-weight target only serves as a fallback. */
  weight: number;
}

/** The content of one route version: weighted targets in fallback order, and an optional shadow model. */
export interface RouteSpec {
  targets: RouteTarget[];
  shadow: string | null;
}

function invalid(field: string, message: string): AppError {
  return new AppError('gateway.route_invalid', {
    publicMessage: `invalid ${field}: ${message}`,
    details: { issues: [{ field, message }] },
  });
}

/** The kind of a model the org can call by this name, or null when it has none. */
export type ModelKindLookup = (name: string) => Promise<'chat' | 'embedding' | null>;

/**
 * Checks a route version: 1 to 8 distinct targets whose weights (0–100) sum to 100, a shadow that is not also a
 * target, and every model a chat model the org can call (`kindOf` reads under the org's row-level security, so a
 * model of another org is refused like an unknown one).
 */
export async function checkRouteSpec(spec: RouteSpec, kindOf: ModelKindLookup): Promise<RouteSpec> {
  if (spec.targets.length < 1 || spec.targets.length > MAX_ROUTE_TARGETS)
    throw invalid('targets', `1 to ${MAX_ROUTE_TARGETS} targets`);
  const seen = new Set<string>();
  let total = 0;
  for (const [i, t] of spec.targets.entries()) {
    if (!Number.isInteger(t.weight) || t.weight < 0 || t.weight > 100)
      throw invalid(`targets[${i}].weight`, 'an integer from 0 to 100');
    if (seen.has(t.model)) throw invalid(`targets[${i}].model`, 'named twice');
    seen.add(t.model);
    total += t.weight;
  }
  if (total !== 100) throw invalid('targets', `weights sum to ${total}, not 100`);
  if (spec.shadow !== null && seen.has(spec.shadow)) throw invalid('shadow.model', 'is also a weighted target');
  const models: [string, string][] = spec.targets.map((t, i) => [`targets[${i}].model`, t.model]);
  if (spec.shadow !== null) models.push(['shadow.model', spec.shadow]);
  for (const [field, model] of models) {
    const kind = await kindOf(model);
    if (kind === null) throw invalid(field, 'no model of this name in the org');
    if (kind !== 'chat') throw invalid(field, 'not a chat model');
  }
  return { targets: spec.targets.map((t) => ({ ...t })), shadow: spec.shadow };
}
