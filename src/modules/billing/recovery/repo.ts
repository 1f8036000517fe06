import type { TenantSql } from '../../../platform/db/index.js';
import type { DeclineReason } from './classify-decline.js';

/** A recovery case's state. */
export type RecoveryState = 'open' | 'recovered' | 'exhausted' | 'hard_declined' | 'awaiting_customer';

/** A recovery case row as stored (the intent id still encrypted). */
export interface RecoveryCaseRow {
  id: string;
  payment_id: string;
  payment_method_id: string;
  reason: DeclineReason;
  decline_code: string;
  state: RecoveryState;
  amount: string | number;
  currency: string;
  step: number;
  attempts: number;
  next_attempt_at: Date | null;
  attempt_claimed_at: Date | null;
  intent_ciphertext: string | null;
  action_url: string | null;
  last_decline_code: string | null;
  opened_at: Date;
  grace_ends_at: Date;
  closed_at: Date | null;
  recovered_amount: string | number;
  updated_at: Date;
}

const COLUMNS =
  'id, payment_id, payment_method_id, reason, decline_code, state, amount, currency, step, attempts, next_attempt_at, attempt_claimed_at, intent_ciphertext, action_url, last_decline_code, opened_at, grace_ends_at, closed_at, recovered_amount, updated_at';

/** Opens a case; false when the payment has one already. */
export async function insertCase(
  sql: TenantSql,
  row: Pick<
    RecoveryCaseRow,
    | 'id'
    | 'payment_id'
    | 'payment_method_id'
    | 'reason'
    | 'decline_code'
    | 'state'
    | 'amount'
    | 'currency'
    | 'next_attempt_at'
    | 'opened_at'
    | 'grace_ends_at'
    | 'closed_at'
  >,
): Promise<boolean> {
  const result = await sql.query(
    `INSERT INTO billing_recovery_cases (org_id, id, payment_id, payment_method_id, reason, decline_code, state, amount, currency, next_attempt_at, opened_at, grace_ends_at, closed_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $11) ON CONFLICT (org_id, payment_id) DO NOTHING`,
    [
      sql.orgId,
      row.id,
      row.payment_id,
      row.payment_method_id,
      row.reason,
      row.decline_code,
      row.state,
      row.amount,
      row.currency,
      row.next_attempt_at,
      row.opened_at,
      row.grace_ends_at,
      row.closed_at,
    ],
  );
  return result.rowCount > 0;
}

/** One case, locked for update when asked. */
export async function selectCase(
  sql: TenantSql,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<RecoveryCaseRow | null> {
  const { rows } = await sql.query<RecoveryCaseRow>(
    `SELECT ${COLUMNS} FROM billing_recovery_cases WHERE org_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [sql.orgId, id],
  );
  return rows[0] ?? null;
}

/** The case of a payment. */
export async function selectCaseByPayment(sql: TenantSql, paymentId: string): Promise<RecoveryCaseRow | null> {
  const { rows } = await sql.query<RecoveryCaseRow>(
    `SELECT ${COLUMNS} FROM billing_recovery_cases WHERE org_id = $1 AND payment_id = $2`,
    [sql.orgId, paymentId],
  );
  return rows[0] ?? null;
}

/** Ids of the org's cases whose next step is due at `now`, oldest first. */
export async function selectDueCaseIds(sql: TenantSql, now: Date, limit: number): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>(
    `SELECT id FROM billing_recovery_cases WHERE org_id = $1 AND state IN ('open', 'awaiting_customer')
     AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3`,
    [sql.orgId, now, limit],
  );
  return rows.map((r) => r.id);
}

/** The org's cases still in progress (open or awaiting the customer). */
export async function selectActiveCases(sql: TenantSql): Promise<RecoveryCaseRow[]> {
  const { rows } = await sql.query<RecoveryCaseRow>(
    `SELECT ${COLUMNS} FROM billing_recovery_cases WHERE org_id = $1 AND state IN ('open', 'awaiting_customer')
     ORDER BY opened_at LIMIT 1000`,
    [sql.orgId],
  );
  return rows;
}

/** Writes a case's changed fields. */
export async function updateCase(
  sql: TenantSql,
  id: string,
  change: Partial<
    Pick<
      RecoveryCaseRow,
      | 'state'
      | 'step'
      | 'attempts'
      | 'next_attempt_at'
      | 'attempt_claimed_at'
      | 'intent_ciphertext'
      | 'action_url'
      | 'last_decline_code'
      | 'closed_at'
      | 'recovered_amount'
      | 'payment_method_id'
    >
  > & { updated_at: Date },
): Promise<void> {
  const entries = Object.entries(change);
  const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
  await sql.query(`UPDATE billing_recovery_cases SET ${sets.join(', ')} WHERE org_id = $1 AND id = $2`, [
    sql.orgId,
    id,
    ...entries.map(([, value]) => value),
  ]);
}

/** Queues a rendered message to the org's billing contacts. */
export async function insertOutboxMessage(
  sql: TenantSql,
  row: {
    id: string;
    kind: 'recovery_authenticate' | 'recovery_update_card';
    caseId: string;
    subject: string;
    body: string;
    at: Date;
  },
): Promise<void> {
  await sql.query(
    `INSERT INTO billing_outbox (org_id, id, kind, audience, case_id, subject, body, created_at)
     VALUES ($1, $2, $3, 'billing_contacts', $4, $5, $6, $7)`,
    [sql.orgId, row.id, row.kind, row.caseId, row.subject, row.body, row.at],
  );
}

/** Counts and sums of the org's cases for the recovery report. */
export interface RecoveryTotals {
  open_count: number;
  open_amount: string | number;
  recovered_count: number;
  recovered_amount: string | number;
  exhausted_count: number;
  hard_declined_count: number;
}

/** Totals: cases open now, and cases recovered, exhausted or hard-declined with their close in [from, to). */
export async function selectTotals(sql: TenantSql, from: Date, to: Date): Promise<RecoveryTotals> {
  const { rows } = await sql.query<RecoveryTotals>(
    `SELECT
       count(*) FILTER (WHERE state IN ('open', 'awaiting_customer'))::int AS open_count,
       COALESCE(sum(amount) FILTER (WHERE state IN ('open', 'awaiting_customer')), 0) AS open_amount,
       count(*) FILTER (WHERE state = 'recovered' AND closed_at >= $2 AND closed_at < $3)::int AS recovered_count,
       COALESCE(sum(recovered_amount) FILTER (WHERE state = 'recovered' AND closed_at >= $2 AND closed_at < $3), 0) AS recovered_amount,
       count(*) FILTER (WHERE state = 'exhausted' AND closed_at >= $2 AND closed_at < $3)::int AS exhausted_count,
       count(*) FILTER (WHERE state = 'hard_declined' AND closed_at >= $2 AND closed_at < $3)::int AS hard_declined_count
     FROM billing_recovery_cases WHERE org_id = $1`,
    [sql.orgId, from, to],
  );
  const totals = rows[0];
  if (!totals) throw new Error('aggregate returned no row');
  return totals;
}

/** The id of the org's newest saved card added after `since`, other than `except`. */
export async function selectNewestCardSince(sql: TenantSql, since: Date, except: string): Promise<string | null> {
  const { rows } = await sql.query<{ id: string }>(
    `SELECT id FROM billing_payment_methods WHERE org_id = $1 AND created_at > $2 AND id <> $3
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [sql.orgId, since, except],
  );
  return rows[0]?.id ?? null;
}

/** The org's most recently opened case. */
export async function selectLatestCase(sql: TenantSql): Promise<RecoveryCaseRow | null> {
  const { rows } = await sql.query<RecoveryCaseRow>(
    `SELECT ${COLUMNS} FROM billing_recovery_cases WHERE org_id = $1 ORDER BY opened_at DESC, id DESC LIMIT 1`,
    [sql.orgId],
  );
  return rows[0] ?? null;
}
