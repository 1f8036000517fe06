import type { OrgId } from '../../lib/ids.js';
import type { PlatformSql } from '../../platform/db/index.js';

/**
 * The orgs, of `orgIds`, that would have no active owner left if `userId`'s account stopped being active: the user is
 * an owner there and every other owner's account is disabled (or there is none).
 *
 * INVARIANT: locks every owner membership of each org first (`FOR UPDATE`, in id order) and reads the owners'
 * account status in a later statement, so two operators disabling an org's two owners at once are serialised and
 * the second sees the first's commit: the org cannot be left with no active owner.
 */
export async function orgsLeftWithoutActiveOwner(
  platform: PlatformSql,
  userId: string,
  orgIds: readonly OrgId[],
): Promise<OrgId[]> {
  const orphaned: OrgId[] = [];
  for (const orgId of orgIds) {
    const lastOwner = await platform.inTenant(orgId, async (sql) => {
      const { rows: owners } = await sql.query<{ user_id: string }>(
        "SELECT user_id FROM memberships WHERE 'owner' = ANY(roles) ORDER BY id FOR UPDATE",
      );
      if (!owners.some((o) => o.user_id === userId)) return false;
      const others = owners.map((o) => o.user_id).filter((id) => id !== userId);
      if (others.length === 0) return true;
      const { rows } = await sql.query("SELECT 1 FROM users WHERE id = ANY($1::text[]) AND status = 'active'", [
        others,
      ]);
      return rows.length === 0;
    });
    if (lastOwner) orphaned.push(orgId);
  }
  return orphaned;
}
