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

/** One reservation to record. */
export interface NewReservation {
  subject: MeterSubject;
  requestId: string;
  price: ModelPrice;
  tokens: number;
  micros: number;
  holds: CounterHold[];
}

/** Records reservations in one statement; answers the request ids recorded (one metered before is left out). */
export async function insertReservations(
  sql: TenantSql,
  reservations: readonly NewReservation[],
  at: Date,
): Promise<Set<string>> {
  if (reservations.length === 0) return new Set();
  const column = <T>(pick: (r: NewReservation) => T) => reservations.map(pick);
  const { rows } = await sql.query<{ request_id: string }>(
    `INSERT INTO gateway_usage (org_id, request_id, principal_id, api_key_id, model, state, input_micros_per_mtok,
       output_micros_per_mtok, reserved_tokens, reserved_micros, holds, created_at)
     SELECT $1, r.request_id, r.principal_id, r.api_key_id, r.model, 'reserved', r.input_price, r.output_price,
            r.tokens, r.micros, r.holds, $11
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[],
                   $9::bigint[], $10::jsonb[])
         AS r(request_id, principal_id, api_key_id, model, input_price, output_price, tokens, micros, holds)
     ON CONFLICT (org_id, request_id) DO NOTHING RETURNING request_id`,
    [
      sql.orgId,
      column((r) => r.requestId),
      column((r) => r.subject.principalId),
      column((r) => r.subject.apiKeyId),
      column((r) => r.subject.model),
      column((r) => r.price.inputMicrosPerMTok),
      column((r) => r.price.outputMicrosPerMTok),
      column((r) => r.tokens),
      column((r) => r.micros),
      column((r) => JSON.stringify(r.holds)),
      at,
    ],
  );
  return new Set(rows.map((row) => row.request_id));
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

/** Locks the rows of those requests still reserved, in request-id order; settled, released or unknown ones are absent. */
export async function lockOpenUsages(sql: TenantSql, requestIds: readonly string[]): Promise<Map<string, UsageRow>> {
  // INVARIANT: one order (request id, C collation) for every batch, so two batches cannot deadlock on usage rows.
  const { rows } = await sql.query<RawUsageRow>(
    `SELECT ${ROW_COLUMNS} FROM gateway_usage
      WHERE org_id = $1 AND request_id = ANY($2::text[]) AND state = 'reserved'
      ORDER BY request_id COLLATE "C" FOR UPDATE`,
    [sql.orgId, requestIds],
  );
  return new Map(rows.map((raw) => [raw.request_id, toRow(raw)]));
}

/** Marks reservations settled with their real usage, in one statement. */
export async function markSettled(
  sql: TenantSql,
  settled: readonly { requestId: string; inputTokens: number; outputTokens: number; cost: number }[],
  at: Date,
): Promise<void> {
  if (settled.length === 0) return;
  await sql.query(
    `UPDATE gateway_usage AS u SET state = 'settled', input_tokens = s.input_tokens, output_tokens = s.output_tokens,
            cost_micros = s.cost, settled_at = $6
       FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS s(request_id, input_tokens, output_tokens, cost)
      WHERE u.org_id = $1 AND u.request_id = s.request_id`,
    [
      sql.orgId,
      settled.map((s) => s.requestId),
      settled.map((s) => s.inputTokens),
      settled.map((s) => s.outputTokens),
      settled.map((s) => s.cost),
      at,
    ],
  );
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

/** Closes a reservation without usage: the call never reached the provider, or its node died. */
export async function markReleased(sql: TenantSql, requestId: string, at: Date): Promise<void> {
  await sql.query(
    `UPDATE gateway_usage SET state = 'released', settled_at = $3 WHERE org_id = $1 AND request_id = $2`,
    [sql.orgId, requestId, at],
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
