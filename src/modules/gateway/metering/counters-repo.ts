import type { TenantSql } from '../../../platform/db/index.js';
import { periodBounds, type Period } from './periods.js';
import type { SpendSubject } from './limits-repo.js';

/** One counter a reservation holds an amount on, with the limit it was checked against. */
export interface CounterHold {
  counter: string;
  /** `YYYY-MM-DD`, first day of the period. */
  periodStart: string;
  period: Period;
  unit: 'micros' | 'tokens';
  /** Amount reserved on the counter. */
  amount: number;
  limit: number;
  scope: SpendSubject;
  /** Principal or key whose settled usage seeds a new counter (role and key caps). */
  seedPrincipalId?: string;
  seedApiKeyId?: string;
  /** Percentages of the limit whose crossing is audited (the org budget). */
  alertThresholds?: number[];
}

/** Used and reserved totals of one counter after a change. */
export interface CounterState {
  used: number;
  reserved: number;
}

// A counter that does not exist yet is created from the usage already settled in its period, so a limit added in the
// middle of a period counts what was spent before it.
async function createCounter(sql: TenantSql, hold: CounterHold): Promise<void> {
  const { start, end } = periodBounds(hold.period, new Date(`${hold.periodStart}T00:00:00Z`));
  const amount = hold.unit === 'tokens' ? 'input_tokens + output_tokens' : 'cost_micros';
  const params: unknown[] = [sql.orgId, hold.counter, hold.periodStart, start, end];
  let filter = '';
  if (hold.seedApiKeyId !== undefined) {
    params.push(hold.seedApiKeyId);
    filter = ` AND api_key_id = $${params.length}`;
  } else if (hold.seedPrincipalId !== undefined) {
    params.push(hold.seedPrincipalId);
    filter = ` AND principal_id = $${params.length}`;
  }
  await sql.query(
    `INSERT INTO gateway_counters (org_id, counter, period_start, used)
     SELECT $1, $2, $3::date, COALESCE(SUM(${amount}), 0) FROM gateway_usage
      WHERE org_id = $1 AND state = 'settled' AND created_at >= $4 AND created_at < $5${filter}
     ON CONFLICT (org_id, counter, period_start) DO NOTHING`,
    params,
  );
}

async function tryHold(sql: TenantSql, hold: CounterHold): Promise<boolean> {
  // INVARIANT: the check and the increment are one UPDATE. On PostgreSQL a concurrent reservation of the same row
  // waits for the row lock and re-evaluates the WHERE clause on the committed row, so two calls can never both fit
  // into the same remaining budget.
  const { rows } = await sql.query(
    `UPDATE gateway_counters SET reserved = reserved + $4
      WHERE org_id = $1 AND counter = $2 AND period_start = $3::date AND used + reserved + $4 <= $5
      RETURNING used`,
    [sql.orgId, hold.counter, hold.periodStart, hold.amount, hold.limit],
  );
  return rows.length > 0;
}

/** Reserves `hold.amount` on its counter if it fits under the limit; false when it does not. */
export async function reserveOnCounter(sql: TenantSql, hold: CounterHold): Promise<boolean> {
  if (await tryHold(sql, hold)) return true;
  const { rows } = await sql.query(
    'SELECT 1 FROM gateway_counters WHERE org_id = $1 AND counter = $2 AND period_start = $3::date',
    [sql.orgId, hold.counter, hold.periodStart],
  );
  if (rows.length > 0) return false;
  await createCounter(sql, hold);
  return tryHold(sql, hold);
}

/** Replaces a hold by the amount actually used (0 on release); returns the counter's state before and after. */
export async function settleOnCounter(
  sql: TenantSql,
  hold: Pick<CounterHold, 'counter' | 'periodStart' | 'amount'>,
  used: number,
): Promise<{ before: CounterState; after: CounterState } | null> {
  const { rows } = await sql.query<{ used: string | number; reserved: string | number }>(
    `UPDATE gateway_counters SET reserved = GREATEST(reserved - $4, 0), used = used + $5
      WHERE org_id = $1 AND counter = $2 AND period_start = $3::date
      RETURNING used, reserved`,
    [sql.orgId, hold.counter, hold.periodStart, hold.amount, used],
  );
  const row = rows[0];
  if (!row) return null;
  const after = { used: Number(row.used), reserved: Number(row.reserved) };
  return { before: { used: after.used - used, reserved: after.reserved + hold.amount }, after };
}

/** Used and reserved amounts of the given counters in their periods. */
export async function readCounters(
  sql: TenantSql,
  keys: readonly { counter: string; periodStart: string }[],
): Promise<Map<string, CounterState>> {
  const result = new Map<string, CounterState>();
  if (keys.length === 0) return result;
  const { rows } = await sql.query<{ counter: string; period_start: string; used: string; reserved: string }>(
    `SELECT counter, to_char(period_start, 'YYYY-MM-DD') AS period_start, used, reserved FROM gateway_counters
      WHERE org_id = $1 AND (counter, period_start) IN (SELECT * FROM unnest($2::text[], $3::date[]))`,
    [sql.orgId, keys.map((k) => k.counter), keys.map((k) => k.periodStart)],
  );
  for (const row of rows)
    result.set(`${row.counter}@${row.period_start}`, { used: Number(row.used), reserved: Number(row.reserved) });
  return result;
}
