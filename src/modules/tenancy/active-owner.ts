import type { TenantSql } from '../../platform/db/index.js';

/** Who a credential acts for: a member user or a service account of the org. */
export interface CredentialOwner {
  type: 'user' | 'service_account';
  id: string;
}

/**
 * The ABAC attributes (region, projects) of an owner that is still an active member user or active service account
 * of the transaction's org; undefined when it was removed or disabled, so its credentials stop working.
 */
export async function activeOwnerAttributes(sql: TenantSql, owner: CredentialOwner): Promise<Record<string, unknown> | undefined> {
  const query =
    owner.type === 'user'
      ? `SELECT m.attributes FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.user_id = $1 AND u.status = 'active'`
      : `SELECT attributes FROM service_accounts WHERE id = $1 AND status = 'active'`;
  const { rows } = await sql.query<{ attributes: Record<string, unknown> }>(query, [owner.id]);
  return rows[0]?.attributes;
}
