import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import { AppError } from '../lib/errors/index.js';

/** One refused input: where it was (`params.key_id`, `body.note`, `headers.user-agent`) and why. */
export interface BoundaryIssue {
  field: string;
  message: string;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot enter Bulwark (a NUL byte or a lone UTF-16 surrogate), or undefined when it can. */
export function forbiddenTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL byte';
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (not valid Unicode)';
  return undefined;
}

/**
 * The first NUL byte or lone surrogate in a parsed value (keys included), walked without recursion so a
 * deeply nested body cannot exhaust the stack. `where` prefixes the field path.
 */
export function findForbiddenText(value: unknown, where: string): BoundaryIssue | undefined {
  const stack: [unknown, string][] = [[value, where]];
  while (stack.length) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      const reason = forbiddenTextReason(current);
      if (reason) return { field: path, message: reason };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push([current[i], `${path}[${i}]`]);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const childPath = `${path}.${key}`;
        const reason = forbiddenTextReason(key);
        if (reason) return { field: `${path}.${JSON.stringify(key).slice(1, -1)}`, message: `key ${reason}` };
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}

function refuse(issues: BoundaryIssue[]): AppError {
  return new AppError('http.bad_request', {
    publicMessage: `invalid ${issues.map((i) => i.field).join(', ')}`,
    details: { issues },
  });
}

function isZodSchema(schema: unknown): schema is ZodType {
  return (
    typeof schema === 'object' && schema !== null && typeof (schema as { safeParse?: unknown }).safeParse === 'function'
  );
}

/** Checks path parameters against the route's params schema (id formats) before any hook uses them. */
function checkParams(request: FastifyRequest): void {
  const schema = request.routeOptions.schema?.params;
  if (!isZodSchema(schema)) return;
  const parsed = schema.safeParse(request.params);
  if (parsed.success) return;
  throw refuse(
    parsed.error.issues.map((issue) => ({
      field: ['params', ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  );
}

/**
 * Refuses malformed input at the edge, before authentication, the tenant boundary or any resource builder
 * reads it: NUL bytes and lone surrogates anywhere in the path, query, headers or body, and path parameters
 * that do not match their id format. Fastify validates params only after `onRequest`, where the tenant
 * boundary already writes audit events, so the params check runs here too (the zod schema is the same).
 */
export function installInputBoundary(app: FastifyInstance): void {
  // SECURITY: global onRequest hooks run before every route-level onRequest (authentication, tenant boundary).
  app.addHook('onRequest', async (request) => {
    const issue =
      findForbiddenText(request.params, 'params') ??
      findForbiddenText(request.query, 'query') ??
      findForbiddenText(request.headers, 'headers') ??
      (/%00/i.test(request.url) ? { field: 'url', message: 'contains a NUL byte' } : undefined);
    if (issue) throw refuse([issue]);
    checkParams(request);
  });
  // INVARIANT: the parsed body (JSON escapes such as \u0000 and \ud800 included) is checked before validation and handlers.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined) return;
    const issue = findForbiddenText(request.body, 'body');
    if (issue) throw refuse([issue]);
  });
}
