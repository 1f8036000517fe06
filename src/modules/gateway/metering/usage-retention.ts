import type { OrgId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import { legalHolds, type AuditActor, type AuditLog } from '../../audit/index.js';

/** What a retention prune of usage records did. */
export interface UsagePruneResult {
  /** Settled or released usage rows older than the cut-off that were deleted. */
  deleted: number;
  /** Rows older than the cut-off kept because a legal hold covers their time. */
  held: number;
}

/**
 * Deletes the org's settled and released usage records created before `before`, except those inside a legal hold
 * (the audit module's `legalHolds`), in one tenant transaction with its audit event (`gateway.usage.pruned`). SECURITY: the
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
    // The chain lock first: a hold is placed under it too, so none appears between reading the holds and deleting.
    await deps.audit.lockChain(sql);
    const holds = await legalHolds(sql);
    const held = `EXISTS (SELECT 1 FROM unnest($3::timestamptz[], $4::timestamptz[]) AS h(held_from, held_to)
      WHERE u.created_at BETWEEN h.held_from AND h.held_to)`;
    const params = [sql.orgId, before, holds.map((h) => h.heldFrom), holds.map((h) => h.heldTo)];
    const { rows } = await sql.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM gateway_usage u
       WHERE u.org_id = $1 AND u.created_at < $2 AND u.state <> 'reserved' AND ${held}`,
      params,
    );
    const result = await sql.query(
      `DELETE FROM gateway_usage u
       WHERE u.org_id = $1 AND u.created_at < $2 AND u.state <> 'reserved' AND NOT ${held}`,
      params,
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
