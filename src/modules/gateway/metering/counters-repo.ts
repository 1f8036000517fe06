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

/** A counter's key in the maps of this module: name and period start. */
export function counterKey(hold: Pick<CounterHold, 'counter' | 'periodStart'>): string {
  return `${hold.counter}@${hold.periodStart}`;
}

async function selectForUpdate(sql: TenantSql, holds: readonly CounterHold[]): Promise<Map<string, CounterState>> {
  // INVARIANT: rows are locked in the order settlements lock them (`compareCounters`: code-unit order, which the C
  // collation matches for these ASCII names), so a reservation batch and a settlement batch cannot deadlock.
  const { rows } = await sql.query<{ counter: string; period_start: string; used: string; reserved: string }>(
    `SELECT counter, to_char(period_start, 'YYYY-MM-DD') AS period_start, used, reserved FROM gateway_counters
      WHERE org_id = $1 AND (counter, period_start) IN (SELECT * FROM unnest($2::text[], $3::date[]))
      ORDER BY counter COLLATE "C", period_start FOR UPDATE`,
    [sql.orgId, holds.map((h) => h.counter), holds.map((h) => h.periodStart)],
  );
  const state = new Map<string, CounterState>();
  for (const row of rows)
    state.set(`${row.counter}@${row.period_start}`, { used: Number(row.used), reserved: Number(row.reserved) });
  return state;
}

/**
 * Locks the counters the holds name, creating those that do not exist yet, and answers their state by `counterKey`.
 * The caller decides what fits and raises `reserved` with `addReserved` in the same transaction.
 */
export async function lockCounters(sql: TenantSql, holds: readonly CounterHold[]): Promise<Map<string, CounterState>> {
  const distinct = [...new Map(holds.map((h) => [counterKey(h), h])).values()];
  if (distinct.length === 0) return new Map();
  const state = await selectForUpdate(sql, distinct);
  const missing = distinct.filter((h) => !state.has(counterKey(h)));
  if (missing.length === 0) return state;
  // Only on a period's first call: the new rows are created, then everything is locked again (rows already locked
  // by this transaction do not wait).
  for (const hold of missing) await createCounter(sql, hold);
  return selectForUpdate(sql, distinct);
}

/** Raises `reserved` of each counter by its amount (counters locked by `lockCounters` in this transaction). */
export async function addReserved(sql: TenantSql, amounts: ReadonlyMap<string, { hold: CounterHold; amount: number }>) {
  const entries = [...amounts.values()].filter((e) => e.amount > 0);
  if (entries.length === 0) return;
  await sql.query(
    `UPDATE gateway_counters AS c SET reserved = c.reserved + d.amount
       FROM unnest($2::text[], $3::date[], $4::bigint[]) AS d(counter, period_start, amount)
      WHERE c.org_id = $1 AND c.counter = d.counter AND c.period_start = d.period_start`,
    [
      sql.orgId,
      entries.map((e) => e.hold.counter),
      entries.map((e) => e.hold.periodStart),
      entries.map((e) => e.amount),
    ],
  );
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
