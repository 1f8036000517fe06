import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actionCatalogue } from '../../modules/authz/index.js';
import { errorFormatForUrl, type ErrorFormat } from '../errors/renderers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs `If-Match` (optimistic concurrency): documented with 412 and 428. */
    ifMatch?: boolean;
  }
}

/** RFC 9457 problem details as Bulwark renders them (extension members such as `issues` beside them). */
export const problemSchema = z
  .looseObject({
    type: z.string().describe('`urn:bulwark:error:<code>`.'),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('Stable error code; see docs/reference/errors.md.'),
    detail: z.string(),
    instance: z.string(),
    request_id: z.string(),
    issues: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('On 400: each invalid field (`params.key_id`, `body.note`, …).'),
  })
  .describe('RFC 9457 problem details');

/** OpenAI's error envelope (routes under the OpenAI-compatible paths). */
export const openAiErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string(),
    request_id: z.string(),
  }),
});

const WHY: Record<number, string> = {
  400: 'Malformed input: a field failed validation, a path id has the wrong format, or text holds a NUL byte or a lone surrogate (`http.bad_request`, `issues` names each field).',
  401: 'Missing or invalid credentials (`authn.required`).',
  403: 'The decision denied the action (`authz.denied`, `authz.scope_missing` naming the scope, `authz.policy_error`).',
  404: 'No such resource in this org, or a path naming another org (`authz.tenant_boundary`).',
  409: 'Conflict: an `Idempotency-Key` reused with another body or still in progress, or the resource is not in a state that allows this.',
  412: 'The `If-Match` ETag is not the current version (`http.precondition_failed`).',
  413: 'The body exceeds the configured limit (`http.payload_too_large`).',
  415: 'The body is not `application/json` (`http.unsupported_media_type`).',
  428: 'The update must carry `If-Match` (`http.precondition_required`).',
  429: 'Too many requests or failed authentications; retry after `Retry-After`.',
  503: 'The audit log could not store the decision (`audit.write_failed`, fails closed) or the server is unavailable.',
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const describedAction = new Map<string, string>(actionCatalogue.map((a) => [a.name, a.description]));

/** The error statuses a route can answer with, from what it declares (authz, body, method, If-Match). */
export function errorStatusesOf(route: Pick<RouteOptions, 'method' | 'schema' | 'config'>): number[] {
  const config = (route.config ?? {}) as { public?: boolean; ifMatch?: boolean };
  const methods = [route.method].flat().map(String);
  const statuses = new Set([400, 401, 429, 503]);
  if (!config.public) for (const s of [403, 404]) statuses.add(s);
  if (route.schema?.body) for (const s of [413, 415]) statuses.add(s);
  if (methods.some((m) => MUTATING.has(m))) statuses.add(409);
  if (config.ifMatch) for (const s of [412, 428]) statuses.add(s);
  return [...statuses].sort((a, b) => a - b);
}

function errorResponse(status: number, format: ErrorFormat) {
  const contentType = format === 'openai' ? 'application/json' : 'application/problem+json';
  return {
    description: WHY[status] ?? 'Error',
    content: { [contentType]: { schema: format === 'openai' ? openAiErrorSchema : problemSchema } },
  };
}

const ERROR_SCHEMAS: ReadonlySet<unknown> = new Set([problemSchema, openAiErrorSchema]);
type SerializerCompiler = NonNullable<RouteOptions['serializerCompiler']>;

/**
 * The error schemas are documentation: the renderers build those bodies, so they are written as JSON without
 * being re-validated (a validation failure there would turn an error into a 500).
 */
function documentingSerializer(inner: SerializerCompiler): SerializerCompiler {
  return (routeSchema) =>
    ERROR_SCHEMAS.has(routeSchema.schema) ? (data: unknown) => JSON.stringify(data) : inner(routeSchema);
}

/**
 * Documents every /v1 route in one place as it registers: its error responses (problem+json, or OpenAI's shape on
 * the OpenAI paths) and the action it needs (`x-bulwark-action`, which is the API key scope, and a sentence in the
 * description). Routes keep declaring only their success schemas.
 */
export function documentRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    route.schema ??= {};
    const schema = route.schema as FastifySchema & Record<string, unknown>;
    if (schema.hide) return;
    const config = (route.config ?? {}) as { public?: boolean; authz?: { action: string }; errorFormat?: ErrorFormat };
    const format = config.errorFormat ?? errorFormatForUrl(route.url);
    const declared = (schema.response ?? {}) as Record<string, unknown>;
    const errors = Object.fromEntries(
      errorStatusesOf(route)
        .filter((s) => !(String(s) in declared))
        .map((s) => [String(s), errorResponse(s, format)]),
    );
    schema.response = { ...declared, ...errors };
    const action = config.authz?.action;
    schema['x-bulwark-action'] = action ?? null;
    schema['x-bulwark-public'] = Boolean(config.public);
    const sentence = action
      ? `Requires the action \`${action}\` (an API key needs this scope): ${describedAction.get(action) ?? ''}`.trim()
      : 'Public: needs no credentials.';
    schema.description = schema.description ? `${schema.description}\n\n${sentence}` : sentence;
    route.serializerCompiler = documentingSerializer(
      route.serializerCompiler ?? (zodSerializerCompiler as unknown as SerializerCompiler),
    );
  });
}
