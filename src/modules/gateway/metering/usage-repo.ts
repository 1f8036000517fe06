import type { TenantSql } from '../../../platform/db/index.js';
import type { MeterSubject } from '../ports.js';
import type { CounterHold } from './counters-repo.js';
import type { ModelPrice } from './pricing.js';

/** A metered request's row as settle and release need it. */
export interface UsageRow {
  requestId: string;
  model: string;
  inputMicrosPerMTok: number;
  outputMicrosPerMTok: number;
  holds: CounterHold[];
}

interface RawUsageRow {
  request_id: string;
  model: string;
  input_micros_per_mtok: string | number;
  output_micros_per_mtok: string | number;
  holds: CounterHold[] | string;
}

const toRow = (raw: RawUsageRow): UsageRow => ({
  requestId: raw.request_id,
  model: raw.model,
  inputMicrosPerMTok: Number(raw.input_micros_per_mtok),
  outputMicrosPerMTok: Number(raw.output_micros_per_mtok),
  holds: typeof raw.holds === 'string' ? (JSON.parse(raw.holds) as CounterHold[]) : raw.holds,
});

/** Records a reservation; false when the request id was metered before (nothing is written). */
export async function insertReservation(
  sql: TenantSql,
  r: {
    subject: MeterSubject;
    requestId: string;
    price: ModelPrice;
    tokens: number;
    micros: number;
    holds: CounterHold[];
    at: Date;
  },
): Promise<boolean> {
  const { rows } = await sql.query(
    `INSERT INTO gateway_usage (org_id, request_id, principal_id, api_key_id, model, state, input_micros_per_mtok,
       output_micros_per_mtok, reserved_tokens, reserved_micros, holds, created_at)
     VALUES ($1, $2, $3, $4, $5, 'reserved', $6, $7, $8, $9, $10::jsonb, $11)
     ON CONFLICT (org_id, request_id) DO NOTHING RETURNING request_id`,
    [
      sql.orgId,
      r.requestId,
      r.subject.principalId,
      r.subject.apiKeyId,
      r.subject.model,
      r.price.inputMicrosPerMTok,
      r.price.outputMicrosPerMTok,
      r.tokens,
      r.micros,
      JSON.stringify(r.holds),
      r.at,
    ],
  );
  return rows.length > 0;
}

const ROW_COLUMNS = 'request_id, model, input_micros_per_mtok, output_micros_per_mtok, holds';

/** Locks the request's row if it is still reserved; null when it is settled, released or unknown. */
export async function lockOpenUsage(sql: TenantSql, requestId: string): Promise<UsageRow | null> {
  const { rows } = await sql.query<RawUsageRow>(
    `SELECT ${ROW_COLUMNS} FROM gateway_usage WHERE org_id = $1 AND request_id = $2 AND state = 'reserved' FOR UPDATE`,
    [sql.orgId, requestId],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/** Reservations made before `before` and still open, locked (rows another transaction holds are skipped). */
export async function staleReservations(sql: TenantSql, before: Date): Promise<UsageRow[]> {
  const { rows } = await sql.query<RawUsageRow>(
    `SELECT ${ROW_COLUMNS} FROM gateway_usage
      WHERE org_id = $1 AND state = 'reserved' AND created_at < $2
      ORDER BY created_at LIMIT 1000 FOR UPDATE SKIP LOCKED`,
    [sql.orgId, before],
  );
  return rows.map(toRow);
}

/** Closes a reservation: settled with its real usage, or released. */
export async function markUsage(
  sql: TenantSql,
  requestId: string,
  state: 'settled' | 'released',
  usage: { inputTokens?: number; outputTokens?: number; cost?: number; at: Date },
): Promise<void> {
  await sql.query(
    `UPDATE gateway_usage SET state = $3, input_tokens = $4, output_tokens = $5, cost_micros = $6, settled_at = $7
      WHERE org_id = $1 AND request_id = $2`,
    [sql.orgId, requestId, state, usage.inputTokens ?? 0, usage.outputTokens ?? 0, usage.cost ?? 0, usage.at],
  );
}

/** How usage totals are grouped. */
export type UsageGroup = 'model' | 'api_key' | 'principal';

/** Settled usage of one group over a period. */
export interface UsageTotal {
  group: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

const GROUP_COLUMN: Record<UsageGroup, string> = {
  model: 'model',
  api_key: "COALESCE(api_key_id, '')",
  principal: 'principal_id',
};

/** Settled usage in [from, to) grouped by model, key or principal, ordered by group, after the cursor's group. */
export async function usageTotals(
  sql: TenantSql,
  q: { from: Date; to: Date; groupBy: UsageGroup; limit: number; after?: string },
): Promise<UsageTotal[]> {
  const column = GROUP_COLUMN[q.groupBy];
  const params: unknown[] = [sql.orgId, q.from, q.to, q.limit];
  let after = '';
  if (q.after !== undefined) {
    params.push(q.after);
    after = ` AND ${column} > $5`;
  }
  const { rows } = await sql.query<{
    grp: string;
    requests: string;
    input_tokens: string;
    output_tokens: string;
    cost_micros: string;
  }>(
    `SELECT ${column} AS grp, COUNT(*) AS requests, SUM(input_tokens) AS input_tokens,
            SUM(output_tokens) AS output_tokens, SUM(cost_micros) AS cost_micros
       FROM gateway_usage
      WHERE org_id = $1 AND state = 'settled' AND created_at >= $2 AND created_at < $3${after}
      GROUP BY 1 ORDER BY 1 LIMIT $4`,
    params,
  );
  return rows.map((row) => ({
    group: row.grp,
    requests: Number(row.requests),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costMicros: Number(row.cost_micros),
  }));
}

/** Tokens (input + output) of the org's settled usage over [from, to). */
export async function settledTokens(sql: TenantSql, from: Date, to: Date): Promise<number> {
  const { rows } = await sql.query<{ tokens: string | number | null }>(
    `SELECT SUM(input_tokens + output_tokens) AS tokens FROM gateway_usage
      WHERE org_id = $1 AND state = 'settled' AND created_at >= $2 AND created_at < $3`,
    [sql.orgId, from, to],
  );
  return Number(rows[0]?.tokens ?? 0);
}
