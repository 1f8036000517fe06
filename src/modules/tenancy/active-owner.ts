import type { TenantSql } from '../../platform/db/index.js';

/** Who a credential acts for: a member user or a service account of the org. */
export interface CredentialOwner {
  type: 'user' | 'service_account';
  id: string;
}

/** What a credential's owner holds in the org right now. */
export interface ActiveOwner {
  /** Current roles of the membership or service account; a key never acts beyond them. */
  roles: string[];
  /** ABAC attributes (region, projects). */
  attributes: Record<string, unknown>;
}

/**
 * The current roles and ABAC attributes of an owner that is still an active member user or active service account of
 * the transaction's org; undefined when it was removed or disabled, so its credentials stop working. Read on every
 * authentication, so a role change or removal takes effect on the next request.
 */
export async function activeOwner(sql: TenantSql, owner: CredentialOwner): Promise<ActiveOwner | undefined> {
  const query =
    owner.type === 'user'
      ? `SELECT m.roles, m.attributes FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.user_id = $1 AND u.status = 'active'`
      : `SELECT roles, attributes FROM service_accounts WHERE id = $1 AND status = 'active'`;
  const { rows } = await sql.query<ActiveOwner>(query, [owner.id]);
  const row = rows[0];
  return row ? { roles: row.roles, attributes: row.attributes } : undefined;
}
