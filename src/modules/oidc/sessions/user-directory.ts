import type { OrgId } from '../../../lib/ids.js';
import type { PlatformSql } from '../../../platform/db/index.js';

/** A user account as the operator's shell lists it (with the roles of one org's membership when listed by org). */
export interface UserListing {
  userId: string;
  email: string;
  status: 'active' | 'disabled';
  createdAt: Date;
  /** The membership's roles, when the list is of one org's members. */
  roles?: string[];
}

interface UserRow {
  id: string;
  email: string;
  status: 'active' | 'disabled';
  created_at: Date | string;
}

const toListing = (r: UserRow): Omit<UserListing, 'roles'> => ({
  userId: r.id,
  email: r.email,
  status: r.status,
  createdAt: new Date(r.created_at),
});

/** The id of the user with this e-mail (case-insensitive), if any. */
export async function findUserIdByEmail(sql: PlatformSql, email: string): Promise<string | undefined> {
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = lower($1)', [email]);
  return rows[0]?.id;
}

/** Whether the org exists. */
export async function orgExists(sql: PlatformSql, orgId: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM orgs WHERE id = $1', [orgId]);
  return rows.length > 0;
}

/** Every user of the installation, or (with `orgId`) the members of one org with their roles; by e-mail. */
export async function selectUsers(sql: PlatformSql, orgId?: OrgId): Promise<UserListing[]> {
  const { rows } = await sql.query<UserRow>(
    'SELECT id, lower(email) AS email, status, created_at FROM users ORDER BY lower(email), id',
  );
  if (orgId === undefined) return rows.map(toListing);
  const roles = await sql.inTenant(orgId, async (tenant) => {
    const { rows: members } = await tenant.query<{ user_id: string; roles: string[] }>(
      'SELECT user_id, roles FROM memberships',
    );
    return new Map(members.map((m) => [m.user_id, m.roles]));
  });
  return rows.flatMap((r) => {
    const held = roles.get(r.id);
    return held ? [{ ...toListing(r), roles: held }] : [];
  });
}

/** The orgs the user is a member of (each org's memberships are read in its own tenant scope). */
export async function selectMemberOrgs(sql: PlatformSql, userId: string): Promise<OrgId[]> {
  const { rows } = await sql.query<{ id: OrgId }>('SELECT id FROM orgs ORDER BY id');
  const orgs: OrgId[] = [];
  for (const { id } of rows) {
    const member = await sql.inTenant(id, async (tenant) => {
      const found = await tenant.query('SELECT 1 FROM memberships WHERE user_id = $1', [userId]);
      return found.rows.length > 0;
    });
    if (member) orgs.push(id);
  }
  return orgs;
}
