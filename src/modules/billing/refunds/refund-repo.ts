import type { TenantSql } from '../../../platform/db/index.js';

/** A refund's state; `pending` until the processor's answer is recorded. */
export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

/** A refund row as stored (the processor's id still encrypted). */
export interface RefundRow {
  id: string;
  payment_id: string;
  idempotency_key: string;
  request_hash: string;
  amount: string | number;
  currency: string;
  reason: string | null;
  status: RefundStatus;
  processor_ciphertext: string | null;
  failure_code: string | null;
  created_by: string;
  claimed_at: Date;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, payment_id, idempotency_key, request_hash, amount, currency, reason, status, processor_ciphertext, failure_code, created_by, claimed_at, created_at, updated_at';

/** The refund holding an idempotency key. */
export async function selectRefundByKey(sql: TenantSql, key: string): Promise<RefundRow | null> {
  const { rows } = await sql.query<RefundRow>(
    `SELECT ${COLUMNS} FROM billing_refunds WHERE org_id = $1 AND idempotency_key = $2`,
    [sql.orgId, key],
  );
  return rows[0] ?? null;
}

/** One refund of the org, locked for update when asked. */
export async function selectRefund(
  sql: TenantSql,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<RefundRow | null> {
  const { rows } = await sql.query<RefundRow>(
    `SELECT ${COLUMNS} FROM billing_refunds WHERE org_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [sql.orgId, id],
  );
  return rows[0] ?? null;
}

/** A payment's refunds, oldest first. */
export async function selectRefundsOf(sql: TenantSql, paymentId: string): Promise<RefundRow[]> {
  const { rows } = await sql.query<RefundRow>(
    `SELECT ${COLUMNS} FROM billing_refunds WHERE org_id = $1 AND payment_id = $2 ORDER BY created_at, id LIMIT 1000`,
    [sql.orgId, paymentId],
  );
  return rows;
}

/** What of a payment is taken by its refunds, pending ones included (they may still succeed). */
export async function refundedTotal(sql: TenantSql, paymentId: string): Promise<number> {
  const { rows } = await sql.query<{ total: string }>(
    `SELECT COALESCE(sum(amount), 0)::text AS total FROM billing_refunds
     WHERE org_id = $1 AND payment_id = $2 AND status IN ('pending', 'succeeded')`,
    [sql.orgId, paymentId],
  );
  return Number(rows[0]?.total ?? 0);
}

/** Inserts a pending refund (the idempotency claim). */
export async function insertPendingRefund(
  sql: TenantSql,
  row: Pick<
    RefundRow,
    'id' | 'payment_id' | 'idempotency_key' | 'request_hash' | 'currency' | 'reason' | 'created_by' | 'created_at'
  > & { amount: number },
): Promise<void> {
  await sql.query(
    `INSERT INTO billing_refunds (org_id, id, payment_id, idempotency_key, request_hash, amount, currency, reason, status, created_by, claimed_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $10, $10)`,
    [
      sql.orgId,
      row.id,
      row.payment_id,
      row.idempotency_key,
      row.request_hash,
      row.amount,
      row.currency,
      row.reason,
      row.created_by,
      row.created_at,
    ],
  );
}

/** Takes over a stale pending claim (compare-and-set on its claim time); false when someone else took it. */
export async function reclaimRefund(sql: TenantSql, id: string, seen: Date, at: Date): Promise<boolean> {
  const result = await sql.query(
    "UPDATE billing_refunds SET claimed_at = $4 WHERE org_id = $1 AND id = $2 AND status = 'pending' AND claimed_at = $3",
    [sql.orgId, id, seen, at],
  );
  return result.rowCount > 0;
}

/** Frees a pending claim at once (the processor could not be reached), so a retry takes it over. */
export async function releaseRefundClaim(sql: TenantSql, id: string): Promise<void> {
  await sql.query(
    "UPDATE billing_refunds SET claimed_at = 'epoch' WHERE org_id = $1 AND id = $2 AND status = 'pending'",
    [sql.orgId, id],
  );
}

/** Records a refund's state (and the processor's id, once). */
export async function recordRefundState(
  sql: TenantSql,
  id: string,
  state: { status: RefundStatus; processorCiphertext: string | null; failureCode: string | null; at: Date },
): Promise<void> {
  await sql.query(
    `UPDATE billing_refunds SET status = $3, processor_ciphertext = COALESCE(processor_ciphertext, $4),
       failure_code = COALESCE($5, failure_code), updated_at = $6 WHERE org_id = $1 AND id = $2`,
    [sql.orgId, id, state.status, state.processorCiphertext, state.failureCode, state.at],
  );
}
