import { newId, type OrgId, type UserId } from '../../lib/ids.js';
import type { PlatformSql, Sql, TenantSql } from '../../platform/db/index.js';
import type { Org } from './org.js';
import type { OrgStatus } from './schema.js';

interface OrgRow {
  id: OrgId;
  name: string;
  slug: string;
  status: OrgStatus;
  created_at: Date | string;
}

const toOrg = (row: OrgRow): Org => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  status: row.status,
  createdAt: new Date(row.created_at),
});

/** Inserts an org (platform scope). */
export async function insertOrg(sql: PlatformSql, org: { id: OrgId; name: string; slug: string }): Promise<Org> {
  const { rows } = await sql.query<OrgRow>(
    'INSERT INTO orgs (id, name, slug) VALUES ($1, $2, $3) RETURNING id, name, slug, status, created_at',
    [org.id, org.name, org.slug],
  );
  return toOrg(rows[0] as OrgRow);
}

/** Lists orgs visible to the handle, oldest first, after `afterId` (keyset pagination). */
export async function selectOrgs(sql: Sql, options: { afterId?: string; limit: number }): Promise<Org[]> {
  const { rows } = await sql.query<OrgRow>(
    'SELECT id, name, slug, status, created_at FROM orgs WHERE id > $1 ORDER BY id LIMIT $2',
    [options.afterId ?? '', options.limit],
  );
  return rows.map(toOrg);
}

/** One org visible to the handle, or undefined. */
export async function selectOrg(sql: Sql, id: OrgId): Promise<Org | undefined> {
  const { rows } = await sql.query<OrgRow>('SELECT id, name, slug, status, created_at FROM orgs WHERE id = $1', [id]);
  return rows[0] ? toOrg(rows[0]) : undefined;
}

/** Inserts a user (platform scope). */
export async function insertUser(
  sql: PlatformSql,
  user: { id: UserId; email: string; displayName: string },
): Promise<void> {
  await sql.query('INSERT INTO users (id, email, display_name) VALUES ($1, $2, $3)', [
    user.id,
    user.email,
    user.displayName,
  ]);
}

/** The platform org's id, once bootstrapped (platform scope). */
export async function selectPlatformOrgId(sql: PlatformSql): Promise<OrgId | undefined> {
  const { rows } = await sql.query<{ id: OrgId }>('SELECT id FROM orgs WHERE is_platform');
  return rows[0]?.id;
}

/** Inserts the platform org (platform scope); the unique index refuses a second one. */
export async function insertPlatformOrg(
  sql: PlatformSql,
  org: { id: OrgId; name: string; slug: string },
): Promise<void> {
  await sql.query('INSERT INTO orgs (id, name, slug, is_platform) VALUES ($1, $2, $3, true)', [
    org.id,
    org.name,
    org.slug,
  ]);
}

/** Adds a membership in the transaction's org. */
export async function insertMembership(
  sql: TenantSql,
  membership: { userId: UserId; roles: readonly string[]; attributes?: Record<string, unknown> },
): Promise<void> {
  await sql.query('INSERT INTO memberships (org_id, id, user_id, roles, attributes) VALUES ($1, $2, $3, $4, $5)', [
    sql.orgId,
    newId('mem'),
    membership.userId,
    membership.roles,
    JSON.stringify(membership.attributes ?? {}),
  ]);
}
