import type { TenantSql } from '../../../platform/db/index.js';
import type { AuditActor } from '../../audit/index.js';
import type { RouteSpec } from './route-spec.js';

/** One immutable version of a model route. */
export interface RouteVersion extends RouteSpec {
  name: string;
  version: number;
  /** The version this one copies, when it was made by a rollback. */
  restoredFrom: number | null;
  createdBy: AuditActor;
  createdAt: Date;
}

/** A route's head: its name and current version number. */
export interface RouteHead {
  name: string;
  headVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** How one shadow call compared with the primary's answer (never either answer's text). */
export interface ShadowComparison {
  requestId: string;
  routeName: string;
  routeVersion: number;
  primaryModel: string;
  shadowModel: string;
  outcome: 'compared' | 'shadow_failed' | 'skipped';
  reasonCode: string | null;
  exactMatch: boolean | null;
  primaryChars: number;
  shadowChars: number | null;
  primaryTokens: number;
  shadowTokens: number | null;
  primaryLatencyMs: number;
  shadowLatencyMs: number | null;
  createdAt: Date;
}

interface VersionRow {
  route_name: string;
  version: number;
  targets: { model: string; weight: number }[];
  shadow_model: string | null;
  restored_from: number | null;
  created_by: AuditActor;
  created_at: Date | string;
}

interface HeadRow {
  name: string;
  head_version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const VERSION_COLUMNS = 'route_name, version, targets, shadow_model, restored_from, created_by, created_at';

function toVersion(row: VersionRow): RouteVersion {
  return {
    name: row.route_name,
    version: row.version,
    targets: row.targets.map((t) => ({ model: t.model, weight: t.weight })),
    shadow: row.shadow_model,
    restoredFrom: row.restored_from,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
  };
}

function toHead(row: HeadRow): RouteHead {
  return {
    name: row.name,
    headVersion: row.head_version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** The route's head row, locked for update when asked. */
export async function selectRouteHead(
  sql: TenantSql,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<RouteHead | undefined> {
  const { rows } = await sql.query<HeadRow>(
    `SELECT name, head_version, created_at, updated_at FROM gateway_routes WHERE name = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [name],
  );
  return rows[0] ? toHead(rows[0]) : undefined;
}

/** Inserts a route's head at version 1 (the caller inserts the version). */
export async function insertRouteHead(sql: TenantSql, name: string, at: Date): Promise<void> {
  await sql.query(
    'INSERT INTO gateway_routes (org_id, name, head_version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3)',
    [sql.orgId, name, at],
  );
}

/** Moves a route's head to `version`. */
export async function updateRouteHead(sql: TenantSql, name: string, version: number, at: Date): Promise<void> {
  await sql.query('UPDATE gateway_routes SET head_version = $2, updated_at = $3 WHERE name = $1', [name, version, at]);
}

/** Appends an immutable version. */
export async function insertRouteVersion(sql: TenantSql, v: RouteVersion): Promise<void> {
  await sql.query(
    `INSERT INTO gateway_route_versions (org_id, route_name, version, targets, shadow_model, restored_from, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      sql.orgId,
      v.name,
      v.version,
      JSON.stringify(v.targets.map((t) => ({ model: t.model, weight: t.weight }))),
      v.shadow,
      v.restoredFrom,
      JSON.stringify(v.createdBy),
      v.createdAt,
    ],
  );
}

/** One version of a route, or its head version when `version` is absent. */
export async function selectRouteVersion(
  sql: TenantSql,
  name: string,
  version?: number,
): Promise<RouteVersion | undefined> {
  const { rows } = await sql.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM gateway_route_versions
      WHERE route_name = $1 AND version = coalesce($2::int, (SELECT head_version FROM gateway_routes WHERE name = $1))`,
    [name, version ?? null],
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/** A page of a route's versions, newest first, below `beforeVersion`. */
export async function selectRouteVersions(
  sql: TenantSql,
  name: string,
  page: { limit: number; beforeVersion?: number },
): Promise<RouteVersion[]> {
  const { rows } = await sql.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM gateway_route_versions
      WHERE route_name = $1 AND ($2::int IS NULL OR version < $2) ORDER BY version DESC LIMIT $3`,
    [name, page.beforeVersion ?? null, page.limit],
  );
  return rows.map(toVersion);
}

/** A page of the org's routes in name order, after `afterName`. */
export async function selectRouteHeads(
  sql: TenantSql,
  page: { limit: number; afterName?: string },
): Promise<RouteHead[]> {
  const { rows } = await sql.query<HeadRow>(
    `SELECT name, head_version, created_at, updated_at FROM gateway_routes
      WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2`,
    [page.afterName ?? null, page.limit],
  );
  return rows.map(toHead);
}

/**
 * Serializes, per org, the changes that decide which models routes may target: a route version naming a model and
 * the model's deletion. Without it a route could be written to a model deleted in a concurrent transaction.
 */
export async function lockRouteTargets(sql: TenantSql): Promise<void> {
  await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended('bulwark.gateway_route_targets:' || $1, 0))`, [
    sql.orgId,
  ]);
}

/** The names of the org's routes whose head version targets or shadows `model`. */
export async function routesTargetingModel(sql: TenantSql, model: string): Promise<string[]> {
  const { rows } = await sql.query<{ route_name: string }>(
    `SELECT v.route_name FROM gateway_route_versions v
       JOIN gateway_routes r ON r.org_id = v.org_id AND r.name = v.route_name AND r.head_version = v.version
      WHERE v.shadow_model = $1 OR v.targets @> jsonb_build_array(jsonb_build_object('model', $1::text))
      ORDER BY v.route_name`,
    [model],
  );
  return rows.map((row) => row.route_name);
}

/** The head versions of all the org's routes (for the model list). */
export async function selectRouteHeadVersions(sql: TenantSql): Promise<RouteVersion[]> {
  const { rows } = await sql.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS.split(', ')
      .map((c) => `v.${c}`)
      .join(', ')}
       FROM gateway_route_versions v JOIN gateway_routes r ON r.org_id = v.org_id AND r.name = v.route_name AND r.head_version = v.version
      ORDER BY v.route_name`,
  );
  return rows.map(toVersion);
}

interface ComparisonRow {
  request_id: string;
  route_name: string;
  route_version: number;
  primary_model: string;
  shadow_model: string;
  outcome: ShadowComparison['outcome'];
  reason_code: string | null;
  exact_match: boolean | null;
  primary_chars: number;
  shadow_chars: number | null;
  primary_tokens: number;
  shadow_tokens: number | null;
  primary_latency_ms: number;
  shadow_latency_ms: number | null;
  created_at: Date | string;
}

/** Stores one shadow comparison. */
export async function insertShadowComparison(sql: TenantSql, c: ShadowComparison): Promise<void> {
  await sql.query(
    `INSERT INTO gateway_shadow_comparisons (org_id, request_id, route_name, route_version, primary_model, shadow_model,
       outcome, reason_code, exact_match, primary_chars, shadow_chars, primary_tokens, shadow_tokens,
       primary_latency_ms, shadow_latency_ms, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      sql.orgId,
      c.requestId,
      c.routeName,
      c.routeVersion,
      c.primaryModel,
      c.shadowModel,
      c.outcome,
      c.reasonCode,
      c.exactMatch,
      c.primaryChars,
      c.shadowChars,
      c.primaryTokens,
      c.shadowTokens,
      c.primaryLatencyMs,
      c.shadowLatencyMs,
      c.createdAt,
    ],
  );
}

/** The newest shadow comparisons of a route (at most `limit`). */
export async function selectShadowComparisons(
  sql: TenantSql,
  routeName: string,
  page: { limit: number },
): Promise<ShadowComparison[]> {
  const { rows } = await sql.query<ComparisonRow>(
    `SELECT request_id, route_name, route_version, primary_model, shadow_model, outcome, reason_code, exact_match,
            primary_chars, shadow_chars, primary_tokens, shadow_tokens, primary_latency_ms, shadow_latency_ms, created_at
       FROM gateway_shadow_comparisons WHERE route_name = $1 ORDER BY created_at DESC, request_id DESC LIMIT $2`,
    [routeName, page.limit],
  );
  return rows.map((r) => ({
    requestId: r.request_id,
    routeName: r.route_name,
    routeVersion: r.route_version,
    primaryModel: r.primary_model,
    shadowModel: r.shadow_model,
    outcome: r.outcome,
    reasonCode: r.reason_code,
    exactMatch: r.exact_match,
    primaryChars: r.primary_chars,
    shadowChars: r.shadow_chars,
    primaryTokens: r.primary_tokens,
    shadowTokens: r.shadow_tokens,
    primaryLatencyMs: r.primary_latency_ms,
    shadowLatencyMs: r.shadow_latency_ms,
    createdAt: new Date(r.created_at),
  }));
}
