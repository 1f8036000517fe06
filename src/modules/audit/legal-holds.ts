import { newId } from '../../lib/ids.js';
import type { TenantSql } from '../../platform/db/index.js';
import type { AuditLog } from './audit-log.js';
import type { AuditActor } from './event.js';

/** A period of an org's records (audit events, usage records) that no retention prune may delete. */
export interface LegalHold {
  id: string;
  heldFrom: Date;
  heldTo: Date;
  /** Why the records are held (`billing.dispute`, …). */
  reason: string;
  /** What placed the hold (a dispute id, a case number); one hold per source. */
  sourceId: string;
  createdAt: Date;
}

interface HoldRow {
  id: string;
  held_from: Date;
  held_to: Date;
  reason: string;
  source_id: string;
  created_at: Date;
}

const holdOf = (row: HoldRow): LegalHold => ({
  id: row.id,
  heldFrom: row.held_from,
  heldTo: row.held_to,
  reason: row.reason,
  sourceId: row.source_id,
  createdAt: row.created_at,
});

/**
 * Places a legal hold on the transaction's org for [from, to] inside the caller's transaction, audited
 * (`audit.legal_hold.placed`). Idempotent per source: a second hold from the same source returns the first.
 */
export async function placeLegalHold(
  sql: TenantSql,
  audit: AuditLog,
  hold: { from: Date; to: Date; reason: string; sourceId: string; actor: AuditActor; at: Date },
): Promise<LegalHold> {
  // INVARIANT: placed under the org's chain lock, which a prune takes before it reads the holds.
  await audit.lockChain(sql);
  const { rows } = await sql.query<HoldRow>(
    `INSERT INTO audit_legal_holds (org_id, id, held_from, held_to, reason, source_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, source_id) DO NOTHING
     RETURNING id, held_from, held_to, reason, source_id, created_at`,
    [sql.orgId, newId('hld', hold.at.getTime()), hold.from, hold.to, hold.reason, hold.sourceId, hold.at],
  );
  const placed = rows[0];
  if (!placed) {
    const existing = (await legalHolds(sql)).find((h) => h.sourceId === hold.sourceId);
    if (!existing) throw new Error('legal hold vanished after a conflicting insert');
    return existing;
  }
  await audit.append(sql, [
    {
      orgId: sql.orgId,
      actor: hold.actor,
      action: 'audit.legal_hold.placed',
      resource: { type: 'LegalHold', id: placed.id },
      decision: 'info',
      reasonCodes: [hold.reason],
      details: {
        held_from: placed.held_from.toISOString(),
        held_to: placed.held_to.toISOString(),
        source_id: placed.source_id,
      },
    },
  ]);
  return holdOf(placed);
}

/** The org's legal holds, oldest first. */
export async function legalHolds(sql: TenantSql): Promise<LegalHold[]> {
  const { rows } = await sql.query<HoldRow>(
    `SELECT id, held_from, held_to, reason, source_id, created_at FROM audit_legal_holds
     WHERE org_id = $1 ORDER BY held_from, id`,
    [sql.orgId],
  );
  return rows.map(holdOf);
}
