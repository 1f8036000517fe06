import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../lib/errors/index.js';
import type { IdPrefix, OrgId } from '../../lib/ids.js';
import type { ResourceDescriptor, ResourceType } from '../../modules/authz/index.js';
import type { TenantSql } from '../../platform/db/index.js';
import type { ApiServices } from '../api-services.js';

/**
 * A path parameter holding a Bulwark id of one prefix (`org_…`, `key_…`, `mem_…`, `svc_…`, `qtn_…`).
 * SECURITY: the input boundary checks params against these schemas in `onRequest`, before authentication, the
 * tenant boundary or a resource builder reads them, so a malformed id never reaches a query or the audit log.
 */
export function idParam(prefix: IdPrefix, what: string) {
  return z
    .string()
    .regex(
      new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`),
      `not ${what} id (${prefix}_ and 26 lowercase Crockford base32 characters)`,
    )
    .describe(`The ${what.replace(/^an? /, '')} id (\`${prefix}_…\`).`);
}

/** `{org_id}` path parameter. */
export const orgParams = z.object({ org_id: idParam('org', 'an org') });

/** Cursor pagination query: `limit` (1–200, default 50) and an opaque `cursor`. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** A page of results with the cursor of the next page (null on the last). */
export function pageOf<T>(
  items: T[],
  limit: number,
  cursorOf: (item: T) => string,
): { data: T[]; next_cursor: string | null } {
  const last = items.at(-1);
  return {
    data: items,
    next_cursor: items.length === limit && last ? Buffer.from(cursorOf(last)).toString('base64url') : null,
  };
}

/** Decodes a cursor made by `pageOf`. */
export function afterCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{3}_[0-9a-z]{26}$/.test(decoded))
    throw new AppError('http.bad_request', {
      publicMessage: 'invalid cursor',
      details: { issues: [{ field: 'query.cursor', message: 'invalid cursor' }] },
    });
  return decoded;
}

/** JSON schema of a page of `item`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

function param(request: FastifyRequest, name: string): string {
  const params = request.params as Record<string, string | undefined>;
  return params[name] ?? '';
}

/** The org named by the route's `{org_id}` (unvalidated: the decision's tenant boundary judges it). */
export function pathOrg(request: FastifyRequest): OrgId {
  return param(request, 'org_id') as OrgId;
}

/** A resource builder: type, id from a path parameter (default: the org itself), org from `{org_id}`. */
export function resourceFromPath(
  type: ResourceType,
  idParam?: string,
): (request: FastifyRequest) => ResourceDescriptor {
  return (request) => ({ type, id: idParam ? param(request, idParam) : pathOrg(request), orgId: pathOrg(request) });
}

/** Runs a read handler in the path org's tenant transaction. */
export function readInTenant<T>(
  services: ApiServices,
  request: FastifyRequest,
  fn: (sql: TenantSql) => Promise<T>,
): Promise<T> {
  return services.db.withTenant(pathOrg(request), fn);
}

/** RFC 3339 or null. */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
