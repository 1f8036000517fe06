import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';

/** What a retention prune of usage records did. */
export interface UsagePruneResult {
  /** Settled or released usage rows older than the cut-off that were deleted. */
  deleted: number;
  /** Rows older than the cut-off kept because a legal hold covers their time. */
  held: number;
}

/**
 * Deletes the org's settled and released usage records created before `before`, except those inside a legal hold
 * (`audit_legal_holds`), in one tenant transaction with its audit event (`gateway.usage.pruned`). SECURITY: the
 * database refuses the deletion of a held row too (a restrictive row-level policy), so a prune written without
 * this filter still deletes nothing held. Reservations in flight are never deleted.
 */
export async function pruneUsageRecords(
  deps: { db: Db; audit: AuditLog },
  orgId: OrgId,
  before: Date,
  actor: AuditActor,
): Promise<UsagePruneResult> {
  return deps.db.withTenant(orgId, async (sql) => {
    await deps.audit.lockChain(sql);
    const held = `EXISTS (SELECT 1 FROM audit_legal_holds h
      WHERE h.org_id = u.org_id AND u.created_at BETWEEN h.held_from AND h.held_to)`;
    const { rows } = await sql.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM gateway_usage u
       WHERE u.org_id = $1 AND u.created_at < $2 AND u.state <> 'reserved' AND ${held}`,
      [sql.orgId, before],
    );
    const result = await sql.query(
      `DELETE FROM gateway_usage u
       WHERE u.org_id = $1 AND u.created_at < $2 AND u.state <> 'reserved' AND NOT ${held}`,
      [sql.orgId, before],
    );
    const outcome = { deleted: result.rowCount, held: Number(rows[0]?.n ?? 0) };
    await deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor,
        action: 'gateway.usage.pruned',
        resource: { type: 'Org', id: sql.orgId },
        decision: 'info',
        reasonCodes: [],
        details: { before: before.toISOString(), deleted: outcome.deleted, held: outcome.held },
      },
    ]);
    return outcome;
  });
}
