import { z } from 'zod';
import type { RouteHead, RouteVersion, ShadowComparison } from './repo.js';
import { MAX_ROUTE_TARGETS, type RouteSpec } from './route-spec.js';

const modelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'letters, digits and . _ : / - (at most 128)');

/** A route name (path parameter and body field): the public model name clients send. */
export const routeNameSchema = modelName.describe('The route name: the public model name clients send.');

/** A route version's content on the wire. */
export const routeContentSchema = z
  .object({
    targets: z
      .array(
        z
          .object({
            model: modelName.describe('A chat model of the org (its own or a built-in one), by name.'),
            weight: z.number().int().min(0).max(100).describe('Share of requests in percent; weights sum to 100.'),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_ROUTE_TARGETS)
      .describe('Weighted targets in fallback order: a request goes to one by weight, then the others in this order.'),
    shadow: z
      .object({ model: modelName.describe('A chat model of the org that gets a copy of each non-streamed request.') })
      .strict()
      .nullable()
      .default(null)
      .describe("Its answers are compared with the primary's and recorded, never returned."),
  })
  .strict();

/** Body of `POST /v1/model-routes`. */
export const createRouteBodySchema = routeContentSchema.extend({ name: routeNameSchema }).strict();

/** A route version on the wire. */
export const routeVersionSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  targets: z.array(z.object({ model: z.string(), weight: z.number().int() })),
  shadow: z.object({ model: z.string() }).nullable(),
  restored_from: z.number().int().nullable().describe('The version this one copies, when made by a rollback.'),
  created_by: z.object({ type: z.string(), id: z.string().nullable() }),
  created_at: z.string(),
});

/** A route in a listing. */
export const routeHeadSchema = z.object({
  name: z.string(),
  version: z.number().int().describe('The head version.'),
  created_at: z.string(),
  updated_at: z.string(),
});

/** One shadow comparison on the wire (sizes, latency and match; never the answers). */
export const shadowComparisonSchema = z.object({
  request_id: z.string(),
  route_version: z.number().int(),
  primary_model: z.string(),
  shadow_model: z.string(),
  outcome: z.enum(['compared', 'shadow_failed', 'skipped']),
  reason_code: z.string().nullable(),
  exact_match: z.boolean().nullable(),
  primary_chars: z.number().int(),
  shadow_chars: z.number().int().nullable(),
  primary_tokens: z.number().int(),
  shadow_tokens: z.number().int().nullable(),
  primary_latency_ms: z.number().int(),
  shadow_latency_ms: z.number().int().nullable(),
  created_at: z.string(),
});

/** The spec of a parsed body. */
export function routeSpecOf(body: z.infer<typeof routeContentSchema>): RouteSpec {
  return {
    targets: body.targets.map((t) => ({ model: t.model, weight: t.weight })),
    shadow: body.shadow?.model ?? null,
  };
}

/** Wire form of a route version. */
export function toRouteVersionWire(v: RouteVersion): z.infer<typeof routeVersionSchema> {
  return {
    name: v.name,
    version: v.version,
    targets: v.targets.map((t) => ({ model: t.model, weight: t.weight })),
    shadow: v.shadow === null ? null : { model: v.shadow },
    restored_from: v.restoredFrom,
    created_by: { type: v.createdBy.type, id: v.createdBy.id },
    created_at: v.createdAt.toISOString(),
  };
}

/** Wire form of a route head. */
export function toRouteHeadWire(h: RouteHead): z.infer<typeof routeHeadSchema> {
  return {
    name: h.name,
    version: h.headVersion,
    created_at: h.createdAt.toISOString(),
    updated_at: h.updatedAt.toISOString(),
  };
}

/** Wire form of a shadow comparison. */
export function toShadowComparisonWire(c: ShadowComparison): z.infer<typeof shadowComparisonSchema> {
  return {
    request_id: c.requestId,
    route_version: c.routeVersion,
    primary_model: c.primaryModel,
    shadow_model: c.shadowModel,
    outcome: c.outcome,
    reason_code: c.reasonCode,
    exact_match: c.exactMatch,
    primary_chars: c.primaryChars,
    shadow_chars: c.shadowChars,
    primary_tokens: c.primaryTokens,
    shadow_tokens: c.shadowTokens,
    primary_latency_ms: c.primaryLatencyMs,
    shadow_latency_ms: c.shadowLatencyMs,
    created_at: c.createdAt.toISOString(),
  };
}
