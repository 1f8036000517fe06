import type { TenantSql } from '../../../platform/db/index.js';

/** When the cost guard trips: spend in the last `windowSeconds` is at least `floorMicros` and above `factor` × baseline. */
export interface CostGuardRule {
  windowSeconds: number;
  /** Trailing period whose mean spend per window is the baseline (seconds before the window). */
  baselineSeconds: number;
  factor: number;
  floorMicros: number;
}

/** Spend of the short window and the baseline it was compared with, in micro-units. */
export interface SpendRate {
  windowMicros: number;
  baselineMicrosPerWindow: number;
}

/** True when the window's spend is far above the baseline and above the absolute floor. */
export function isSpendSpike(rule: CostGuardRule, rate: SpendRate): boolean {
  return rate.windowMicros >= rule.floorMicros && rate.windowMicros > rule.factor * rate.baselineMicrosPerWindow;
}

function minuteOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

/** Adds settled spend to the org's bucket of the current minute. */
export async function recordSpend(sql: TenantSql, at: Date, micros: number): Promise<void> {
  if (micros <= 0) return;
  await sql.query(
    `INSERT INTO gateway_spend_minutes (org_id, minute, spent_micros) VALUES ($1, $2, $3)
     ON CONFLICT (org_id, minute) DO UPDATE SET spent_micros = gateway_spend_minutes.spent_micros + EXCLUDED.spent_micros`,
    [sql.orgId, minuteOf(at), micros],
  );
}

/**
 * The org's spend in the window ending at `at` and its baseline (mean spend per window over the trailing
 * `baselineSeconds` before the window), from minute buckets: both are rounded to whole minutes.
 */
export async function spendRate(sql: TenantSql, rule: CostGuardRule, at: Date): Promise<SpendRate> {
  const current = minuteOf(at).getTime();
  const windowMinutes = Math.max(1, Math.round(rule.windowSeconds / 60));
  const windowStart = new Date(current - (windowMinutes - 1) * 60_000);
  const baselineStart = new Date(windowStart.getTime() - rule.baselineSeconds * 1000);
  const { rows } = await sql.query<{ recent: string | null; baseline: string | null }>(
    `SELECT SUM(spent_micros) FILTER (WHERE minute >= $2) AS recent,
            SUM(spent_micros) FILTER (WHERE minute < $2) AS baseline
       FROM gateway_spend_minutes WHERE org_id = $1 AND minute >= $3`,
    [sql.orgId, windowStart, baselineStart],
  );
  const windowsInBaseline = rule.baselineSeconds / (windowMinutes * 60);
  return {
    windowMicros: Number(rows[0]?.recent ?? 0),
    baselineMicrosPerWindow: Number(rows[0]?.baseline ?? 0) / windowsInBaseline,
  };
}
