import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { Sql, TenantSql } from '../../../platform/db/index.js';
import type { Period } from './periods.js';

/** What the cost guard does when it trips: refuse model calls until reset, only alert, or nothing. */
export type CostGuardMode = 'block' | 'alert' | 'off';

/** An org's plan limits (null: no limit) and its cost-guard state. */
export interface OrgPlan {
  version: number;
  monthlyTokens: number | null;
  rpm: number | null;
  tpm: number | null;
  costGuardMode: CostGuardMode;
  costGuardTrippedAt: Date | null;
}

/** Whose spend a limit bounds: the org (its budget), each principal acting with a role, or one API key. */
export type SpendSubject = 'org' | 'role' | 'key';

/** A budget or spending cap in micro-units per period; `alertThresholds` are percentages (org budget only). */
export interface SpendLimit {
  subjectKind: SpendSubject;
  /** `''` for the org, the role name, or the API key id. */
  subjectId: string;
  period: Period;
  limitMicros: number;
  alertThresholds: number[];
}

/** The plan of an org that has written none. */
export const DEFAULT_PLAN: OrgPlan = {
  version: 0,
  monthlyTokens: null,
  rpm: null,
  tpm: null,
  costGuardMode: 'block',
  costGuardTrippedAt: null,
};

interface PlanRow {
  version: number;
  monthly_tokens: string | number | null;
  rpm: number | null;
  tpm: number | null;
  cost_guard_mode: CostGuardMode;
  cost_guard_tripped_at: Date | string | null;
}

const nullableNumber = (value: string | number | null): number | null => (value === null ? null : Number(value));

/** The org's plan row, or the default plan. */
export async function readPlan(sql: TenantSql): Promise<OrgPlan> {
  const { rows } = await sql.query<PlanRow>(
    'SELECT version, monthly_tokens, rpm, tpm, cost_guard_mode, cost_guard_tripped_at FROM gateway_limits WHERE org_id = $1',
    [sql.orgId],
  );
  const row = rows[0];
  if (!row) return DEFAULT_PLAN;
  return {
    version: row.version,
    monthlyTokens: nullableNumber(row.monthly_tokens),
    rpm: row.rpm,
    tpm: row.tpm,
    costGuardMode: row.cost_guard_mode,
    costGuardTrippedAt: row.cost_guard_tripped_at ? new Date(row.cost_guard_tripped_at) : null,
  };
}

interface SpendLimitRow {
  subject_kind: SpendSubject;
  subject_id: string;
  period: Period;
  limit_micros: string | number;
  alert_thresholds: number[];
}

/** The org's budgets and caps, in a stable order. */
export async function readSpendLimits(sql: TenantSql): Promise<SpendLimit[]> {
  const { rows } = await sql.query<SpendLimitRow>(
    `SELECT subject_kind, subject_id, period, limit_micros, alert_thresholds FROM gateway_spend_limits
      WHERE org_id = $1 ORDER BY subject_kind, subject_id, period`,
    [sql.orgId],
  );
  return rows.map((row) => ({
    subjectKind: row.subject_kind,
    subjectId: row.subject_id,
    period: row.period,
    limitMicros: Number(row.limit_micros),
    alertThresholds: [...row.alert_thresholds],
  }));
}

/** Replaces the plan (bumping its version) and every budget and cap of the org. */
export async function writeLimits(
  sql: TenantSql,
  plan: Omit<OrgPlan, 'version' | 'costGuardTrippedAt'>,
  limits: readonly SpendLimit[],
): Promise<number> {
  const { rows } = await sql.query<{ version: number }>(
    `INSERT INTO gateway_limits (org_id, monthly_tokens, rpm, tpm, cost_guard_mode, updated_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (org_id) DO UPDATE SET monthly_tokens = EXCLUDED.monthly_tokens, rpm = EXCLUDED.rpm,
       tpm = EXCLUDED.tpm, cost_guard_mode = EXCLUDED.cost_guard_mode, version = gateway_limits.version + 1,
       updated_at = now()
     RETURNING version`,
    [sql.orgId, plan.monthlyTokens, plan.rpm, plan.tpm, plan.costGuardMode],
  );
  await sql.query('DELETE FROM gateway_spend_limits WHERE org_id = $1', [sql.orgId]);
  for (const limit of limits)
    await sql.query(
      `INSERT INTO gateway_spend_limits (org_id, subject_kind, subject_id, period, limit_micros, alert_thresholds)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [sql.orgId, limit.subjectKind, limit.subjectId, limit.period, limit.limitMicros, limit.alertThresholds],
    );
  // The meter caches the written limits under the org's cache generation.
  await bumpOrgGeneration(sql);
  return rows[0]?.version ?? 1;
}

/**
 * Marks the cost guard tripped unless it already is (in `alert` mode it re-arms after an hour); returns the mode it
 * tripped in, null when it did not trip now.
 */
export async function tripCostGuard(sql: TenantSql, at: Date): Promise<CostGuardMode | null> {
  const { rows } = await sql.query<{ cost_guard_mode: CostGuardMode }>(
    `INSERT INTO gateway_limits (org_id, cost_guard_tripped_at) VALUES ($1, $2)
     ON CONFLICT (org_id) DO UPDATE SET cost_guard_tripped_at = EXCLUDED.cost_guard_tripped_at
       WHERE gateway_limits.cost_guard_mode <> 'off' AND (gateway_limits.cost_guard_tripped_at IS NULL
         OR (gateway_limits.cost_guard_mode = 'alert' AND gateway_limits.cost_guard_tripped_at < $2::timestamptz - interval '1 hour'))
     RETURNING cost_guard_mode`,
    [sql.orgId, at],
  );
  const mode = rows[0]?.cost_guard_mode ?? null;
  if (mode !== null) await bumpOrgGeneration(sql);
  return mode;
}

/** Clears a tripped cost guard; returns when it had tripped (null: it was not tripped). */
export async function resetCostGuard(sql: TenantSql): Promise<Date | null> {
  const { rows } = await sql.query<{ tripped: Date | string | null }>(
    'SELECT cost_guard_tripped_at AS tripped FROM gateway_limits WHERE org_id = $1 FOR UPDATE',
    [sql.orgId],
  );
  const tripped = rows[0]?.tripped;
  if (!tripped) return null;
  await sql.query('UPDATE gateway_limits SET cost_guard_tripped_at = NULL, updated_at = now() WHERE org_id = $1', [
    sql.orgId,
  ]);
  await bumpOrgGeneration(sql);
  return new Date(tripped);
}

/** Reads one org's plan version (0 when none is written), for optimistic concurrency. */
export async function planVersion(sql: Sql & { orgId: string }): Promise<number> {
  const { rows } = await sql.query<{ version: number }>('SELECT version FROM gateway_limits WHERE org_id = $1', [
    sql.orgId,
  ]);
  return rows[0]?.version ?? 0;
}
