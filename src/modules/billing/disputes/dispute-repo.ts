import type { TenantSql } from '../../../platform/db/index.js';
import type { DisputeEvidence } from '../ports.js';

/** A dispute's state in Bulwark: open until the processor closes it. */
export type DisputeStatus = 'open' | 'won' | 'lost';

/** A dispute row as stored. */
export interface DisputeRow {
  id: string;
  payment_id: string;
  processor_digest: string;
  processor_ciphertext: string;
  amount: string | number;
  currency: string;
  reason: string;
  status: DisputeStatus;
  evidence_state: 'none' | 'staged' | 'submitted';
  freeze_active: boolean;
  period_from: Date;
  period_to: Date;
  evidence_pack: Record<string, unknown>;
  staged_evidence: DisputeEvidence;
  submitted_by: string | null;
  submitted_at: Date | null;
  closed_at: Date | null;
  freeze_lifted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, payment_id, processor_digest, processor_ciphertext, amount, currency, reason, status, evidence_state, freeze_active, period_from, period_to, evidence_pack, staged_evidence, submitted_by, submitted_at, closed_at, freeze_lifted_at, created_at, updated_at';

/** Stores a new dispute; false when the processor's dispute is already recorded. */
export async function insertDispute(
  sql: TenantSql,
  row: Omit<
    DisputeRow,
    'staged_evidence' | 'submitted_by' | 'submitted_at' | 'closed_at' | 'freeze_lifted_at' | 'updated_at'
  >,
): Promise<boolean> {
  const result = await sql.query(
    `INSERT INTO billing_disputes (org_id, id, payment_id, processor_digest, processor_ciphertext, amount, currency, reason, status, evidence_state, freeze_active, period_from, period_to, evidence_pack, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) ON CONFLICT DO NOTHING`,
    [
      sql.orgId,
      row.id,
      row.payment_id,
      row.processor_digest,
      row.processor_ciphertext,
      row.amount,
      row.currency,
      row.reason,
      row.status,
      row.evidence_state,
      row.freeze_active,
      row.period_from,
      row.period_to,
      JSON.stringify(row.evidence_pack),
      row.created_at,
    ],
  );
  return result.rowCount > 0;
}

/** One dispute of the org, locked for update when asked. */
export async function selectDispute(
  sql: TenantSql,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<DisputeRow | null> {
  const { rows } = await sql.query<DisputeRow>(
    `SELECT ${COLUMNS} FROM billing_disputes WHERE org_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [sql.orgId, id],
  );
  return rows[0] ?? null;
}

/** The dispute recorded for a processor dispute id's digest, locked for update. */
export async function selectDisputeByDigest(sql: TenantSql, digest: string): Promise<DisputeRow | null> {
  const { rows } = await sql.query<DisputeRow>(
    `SELECT ${COLUMNS} FROM billing_disputes WHERE org_id = $1 AND processor_digest = $2 FOR UPDATE`,
    [sql.orgId, digest],
  );
  return rows[0] ?? null;
}

/** The org's disputes, newest first. */
export async function selectDisputes(sql: TenantSql): Promise<DisputeRow[]> {
  const { rows } = await sql.query<DisputeRow>(
    `SELECT ${COLUMNS} FROM billing_disputes WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100`,
    [sql.orgId],
  );
  return rows;
}

/** Updates a dispute's mutable fields (those given). */
export async function updateDispute(
  sql: TenantSql,
  id: string,
  change: Partial<
    Pick<
      DisputeRow,
      | 'status'
      | 'evidence_state'
      | 'freeze_active'
      | 'staged_evidence'
      | 'submitted_by'
      | 'submitted_at'
      | 'closed_at'
      | 'freeze_lifted_at'
    >
  > & { updated_at: Date },
): Promise<void> {
  const entries = Object.entries(change);
  const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
  const values = entries.map(([column, value]) => (column === 'staged_evidence' ? JSON.stringify(value) : value));
  await sql.query(`UPDATE billing_disputes SET ${sets.join(', ')} WHERE org_id = $1 AND id = $2`, [
    sql.orgId,
    id,
    ...values,
  ]);
}

/** True when one of the org's disputes holds a freeze of its paid entitlements. */
export async function anyDisputeFreeze(sql: TenantSql): Promise<boolean> {
  const { rows } = await sql.query<{ frozen: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM billing_disputes WHERE org_id = $1 AND freeze_active) AS frozen',
    [sql.orgId],
  );
  return rows[0]?.frozen === true;
}
