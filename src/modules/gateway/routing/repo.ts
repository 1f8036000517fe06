import type { TenantSql } from '../../../platform/db/index.js';
import { VersionedStore, type RegistryHead, type Versioned } from '../registry/versioned-store.js';
import type { RouteSpec } from './route-spec.js';

/** One immutable version of a model route. */
export type RouteVersion = Versioned<RouteSpec>;

/** A route's head: its name and current version number. */
export type RouteHead = RegistryHead;

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

/** Where model routes live: `gateway_routes` heads and `gateway_route_versions` (migration 0016). */
export const routeStore = new VersionedStore<RouteSpec>({
  heads: 'gateway_routes',
  versions: 'gateway_route_versions',
  nameColumn: 'route_name',
  contentColumns: ['targets', 'shadow_model'],
  toRow: (spec) => [JSON.stringify(spec.targets.map((t) => ({ model: t.model, weight: t.weight }))), spec.shadow],
  fromRow: (row) => ({
    targets: (row.targets as { model: string; weight: number }[]).map((t) => ({ model: t.model, weight: t.weight })),
    shadow: row.shadow_model as string | null,
  }),
});

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
