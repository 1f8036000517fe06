import type { TenantSql } from '../../../platform/db/index.js';
import type { PlanCode } from './catalogue.js';

/** A subscription's state. `incomplete`: its trial waits for the customer to finish the card check (3-D Secure). */
export type SubscriptionStatus = 'incomplete' | 'trialing' | 'active' | 'past_due' | 'canceled';

/** The org's subscription row as stored (the setup intent id still encrypted). */
export interface SubscriptionRow {
  id: string;
  plan: PlanCode;
  status: SubscriptionStatus;
  trial_ends_at: Date | null;
  payment_method_id: string | null;
  setup_intent_ciphertext: string | null;
  action_url: string | null;
  decline_code: string | null;
  /** The paid period of an active subscription (null on Free, in a trial, or before the first payment). */
  current_period_start: Date | null;
  current_period_end: Date | null;
  /** The paid plan an activation or upgrade waits on its payment (3-D Secure) for, and that payment. */
  pending_plan: PlanCode | null;
  pending_payment_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, plan, status, trial_ends_at, payment_method_id, setup_intent_ciphertext, action_url, decline_code,
  current_period_start, current_period_end, pending_plan, pending_payment_id, version, created_at, updated_at`;

/** The org's subscription, locked for update when asked. */
export async function selectSubscription(
  sql: TenantSql,
  options: { forUpdate?: boolean } = {},
): Promise<SubscriptionRow | null> {
  const { rows } = await sql.query<SubscriptionRow>(
    `SELECT ${COLUMNS} FROM billing_subscriptions WHERE org_id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [sql.orgId],
  );
  return rows[0] ?? null;
}

/** Writes the org's subscription (replacing the previous one, `version` + 1); returns the stored row. */
export async function upsertSubscription(
  sql: TenantSql,
  row: Omit<SubscriptionRow, 'version' | 'created_at' | 'updated_at'>,
  at: Date,
): Promise<SubscriptionRow> {
  const { rows } = await sql.query<SubscriptionRow>(
    `INSERT INTO billing_subscriptions (org_id, id, plan, status, trial_ends_at, payment_method_id,
       setup_intent_ciphertext, action_url, decline_code, current_period_start, current_period_end, pending_plan,
       pending_payment_id, version, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $11, $12, $13, $14, 1, $10, $10)
     ON CONFLICT (org_id) DO UPDATE SET id = EXCLUDED.id, plan = EXCLUDED.plan, status = EXCLUDED.status,
       trial_ends_at = EXCLUDED.trial_ends_at, payment_method_id = EXCLUDED.payment_method_id,
       setup_intent_ciphertext = EXCLUDED.setup_intent_ciphertext, action_url = EXCLUDED.action_url,
       decline_code = EXCLUDED.decline_code, current_period_start = EXCLUDED.current_period_start,
       current_period_end = EXCLUDED.current_period_end, pending_plan = EXCLUDED.pending_plan,
       pending_payment_id = EXCLUDED.pending_payment_id, version = billing_subscriptions.version + 1,
       updated_at = EXCLUDED.updated_at
     RETURNING ${COLUMNS}`,
    [
      sql.orgId,
      row.id,
      row.plan,
      row.status,
      row.trial_ends_at,
      row.payment_method_id,
      row.setup_intent_ciphertext,
      row.action_url,
      row.decline_code,
      at,
      row.current_period_start,
      row.current_period_end,
      row.pending_plan,
      row.pending_payment_id,
    ],
  );
  const stored = rows[0];
  if (!stored) throw new Error('subscription upsert returned no row');
  return stored;
}

/** A subscription change's idempotency record. */
export interface SubscriptionRequestRow {
  request_hash: string;
  state: 'pending' | 'done';
  result: unknown;
  created_at: Date;
}

/** Claims an Idempotency-Key for a subscription change; false when the key is already taken. */
export async function claimSubscriptionRequest(
  sql: TenantSql,
  key: string,
  requestHash: string,
  at: Date,
): Promise<boolean> {
  const result = await sql.query(
    `INSERT INTO billing_subscription_requests (org_id, idempotency_key, request_hash, state, created_at)
     VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT DO NOTHING`,
    [sql.orgId, key, requestHash, at],
  );
  return result.rowCount > 0;
}

/** The idempotency record of a key, if any. */
export async function selectSubscriptionRequest(sql: TenantSql, key: string): Promise<SubscriptionRequestRow | null> {
  const { rows } = await sql.query<SubscriptionRequestRow>(
    'SELECT request_hash, state, result, created_at FROM billing_subscription_requests WHERE org_id = $1 AND idempotency_key = $2',
    [sql.orgId, key],
  );
  return rows[0] ?? null;
}

/** Takes over a pending claim whose holder died (compare-and-set on its claim time); false when someone else did. */
export async function reclaimSubscriptionRequest(sql: TenantSql, key: string, seen: Date, at: Date): Promise<boolean> {
  const result = await sql.query(
    `UPDATE billing_subscription_requests SET created_at = $4
      WHERE org_id = $1 AND idempotency_key = $2 AND state = 'pending' AND created_at = $3`,
    [sql.orgId, key, seen, at],
  );
  return result.rowCount > 0;
}

/** Stores the answer of a claimed key. */
export async function completeSubscriptionRequest(sql: TenantSql, key: string, result: unknown): Promise<void> {
  await sql.query(
    `UPDATE billing_subscription_requests SET state = 'done', result = $3 WHERE org_id = $1 AND idempotency_key = $2`,
    [sql.orgId, key, JSON.stringify(result)],
  );
}

/** Frees a claimed key whose change failed, so a retry may make it. */
export async function releaseSubscriptionRequest(sql: TenantSql, key: string): Promise<void> {
  await sql.query(
    `DELETE FROM billing_subscription_requests WHERE org_id = $1 AND idempotency_key = $2 AND state = 'pending'`,
    [sql.orgId, key],
  );
}
