import type { TenantSql } from '../../../platform/db/index.js';

/** A payment's state; `pending` until the processor's answer to the charge is recorded. */
export type PaymentStatus = 'pending' | 'requires_action' | 'failed' | 'succeeded';

/** A payment row as stored (processor ids still encrypted). */
export interface PaymentRow {
  id: string;
  idempotency_key: string;
  request_hash: string;
  payment_method_id: string;
  amount: string | number;
  currency: string;
  description: string | null;
  status: PaymentStatus;
  intent_ciphertext: string | null;
  decline_code: string | null;
  action_url: string | null;
  created_by: string;
  claimed_at: Date;
  created_at: Date;
  updated_at: Date;
}

/** A saved card row as stored. */
export interface CardRow {
  id: string;
  processor_ciphertext: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  created_by: string;
  created_at: Date;
}

const PAYMENT_COLUMNS =
  'id, idempotency_key, request_hash, payment_method_id, amount, currency, description, status, intent_ciphertext, decline_code, action_url, created_by, claimed_at, created_at, updated_at';

/** The org's processor customer (ciphertext), if it has one. */
export async function selectAccount(sql: TenantSql): Promise<string | null> {
  const { rows } = await sql.query<{ customer_ciphertext: string }>(
    'SELECT customer_ciphertext FROM billing_accounts WHERE org_id = $1',
    [sql.orgId],
  );
  return rows[0]?.customer_ciphertext ?? null;
}

/** Stores the org's processor customer; false when another transaction stored one first. */
export async function insertAccount(sql: TenantSql, processor: string, ciphertext: string, at: Date): Promise<boolean> {
  const result = await sql.query(
    'INSERT INTO billing_accounts (org_id, processor, customer_ciphertext, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [sql.orgId, processor, ciphertext, at],
  );
  return result.rowCount > 0;
}

/** Stores a saved card. */
export async function insertCard(sql: TenantSql, row: CardRow): Promise<void> {
  await sql.query(
    'INSERT INTO billing_payment_methods (org_id, id, processor_ciphertext, brand, last4, exp_month, exp_year, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [
      sql.orgId,
      row.id,
      row.processor_ciphertext,
      row.brand,
      row.last4,
      row.exp_month,
      row.exp_year,
      row.created_by,
      row.created_at,
    ],
  );
}

/** One saved card of the org. */
export async function selectCard(sql: TenantSql, id: string): Promise<CardRow | null> {
  const { rows } = await sql.query<CardRow>(
    'SELECT id, processor_ciphertext, brand, last4, exp_month, exp_year, created_by, created_at FROM billing_payment_methods WHERE org_id = $1 AND id = $2',
    [sql.orgId, id],
  );
  return rows[0] ?? null;
}

/** The org's saved cards, newest first. */
export async function selectCards(sql: TenantSql): Promise<CardRow[]> {
  const { rows } = await sql.query<CardRow>(
    'SELECT id, processor_ciphertext, brand, last4, exp_month, exp_year, created_by, created_at FROM billing_payment_methods WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100',
    [sql.orgId],
  );
  return rows;
}

/** Claims an idempotency key with a pending payment; false when the key is taken (by a retry or another request). */
export async function claimPayment(
  sql: TenantSql,
  row: Omit<PaymentRow, 'intent_ciphertext' | 'decline_code' | 'action_url' | 'status' | 'updated_at'>,
): Promise<boolean> {
  const result = await sql.query(
    `INSERT INTO billing_payments (org_id, id, idempotency_key, request_hash, payment_method_id, amount, currency, description, status, created_by, claimed_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $11) ON CONFLICT (org_id, idempotency_key) DO NOTHING`,
    [
      sql.orgId,
      row.id,
      row.idempotency_key,
      row.request_hash,
      row.payment_method_id,
      row.amount,
      row.currency,
      row.description,
      row.created_by,
      row.claimed_at,
      row.created_at,
    ],
  );
  return result.rowCount > 0;
}

/** Takes over a stale pending claim (compare-and-set on its claim time); false when someone else took it. */
export async function reclaimPayment(sql: TenantSql, id: string, seen: Date, at: Date): Promise<boolean> {
  const result = await sql.query(
    "UPDATE billing_payments SET claimed_at = $4 WHERE org_id = $1 AND id = $2 AND status = 'pending' AND claimed_at = $3",
    [sql.orgId, id, seen, at],
  );
  return result.rowCount > 0;
}

/** Marks a pending claim as free to take over at once (the processor could not be reached). */
export async function releaseClaim(sql: TenantSql, id: string): Promise<void> {
  await sql.query(
    "UPDATE billing_payments SET claimed_at = 'epoch' WHERE org_id = $1 AND id = $2 AND status = 'pending'",
    [sql.orgId, id],
  );
}

/** The payment holding an idempotency key. */
export async function selectPaymentByKey(sql: TenantSql, key: string): Promise<PaymentRow | null> {
  const { rows } = await sql.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM billing_payments WHERE org_id = $1 AND idempotency_key = $2`,
    [sql.orgId, key],
  );
  return rows[0] ?? null;
}

/** One payment of the org, locked for update when asked. */
export async function selectPayment(
  sql: TenantSql,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PaymentRow | null> {
  const { rows } = await sql.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM billing_payments WHERE org_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [sql.orgId, id],
  );
  return rows[0] ?? null;
}

/** The org's payments, newest first, after a cursor (created_at, id). */
export async function selectPayments(
  sql: TenantSql,
  limit: number,
  after?: { createdAt: Date; id: string },
): Promise<PaymentRow[]> {
  const { rows } = await sql.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM billing_payments WHERE org_id = $1
     ${after ? 'AND (created_at, id) < ($3, $4)' : ''} ORDER BY created_at DESC, id DESC LIMIT $2`,
    after ? [sql.orgId, limit, after.createdAt, after.id] : [sql.orgId, limit],
  );
  return rows;
}

/** Records the processor's answer to a payment. */
export async function recordOutcome(
  sql: TenantSql,
  id: string,
  outcome: {
    status: PaymentStatus;
    intentCiphertext: string | null;
    declineCode: string | null;
    actionUrl: string | null;
    at: Date;
  },
): Promise<void> {
  await sql.query(
    'UPDATE billing_payments SET status = $3, intent_ciphertext = COALESCE($4, intent_ciphertext), decline_code = $5, action_url = $6, updated_at = $7 WHERE org_id = $1 AND id = $2',
    [sql.orgId, id, outcome.status, outcome.intentCiphertext, outcome.declineCode, outcome.actionUrl, outcome.at],
  );
}

/** Stores a processor event id once; false when it was stored before (a replay or a redelivery). */
export async function insertWebhookEvent(
  sql: TenantSql,
  event: { id: string; type: string; outcome: 'applied' | 'stale' | 'ignored'; at: Date },
): Promise<boolean> {
  const result = await sql.query(
    'INSERT INTO billing_webhook_events (org_id, event_id, type, outcome, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
    [sql.orgId, event.id, event.type.slice(0, 100), event.outcome, event.at],
  );
  return result.rowCount > 0;
}
