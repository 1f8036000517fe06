import { AppError } from '../../lib/errors/index.js';
import type { Db } from './db.js';

/** What `bulwark doctor` and production start know about the login a serving connection uses. */
export interface ServingRoleReport {
  /** The login role (session_user) of the serving connection. */
  login: string;
  /** Each reason row-level security would not bind this login, with the change that fixes it; empty when safe. */
  problems: string[];
}

interface RoleRow {
  login: string;
  superusers: string[] | null;
  bypassers: string[] | null;
  owners: string[] | null;
  owned: number;
}

// SECURITY: RLS binds a role only if it is not a superuser, lacks BYPASSRLS and does not own the table (FORCE makes
// owners subject to policies, but an owner can ALTER TABLE ... NO FORCE / DISABLE ROW LEVEL SECURITY). Membership
// counts: a login that is a member of a superuser, BYPASSRLS or owning role can SET ROLE to it after a `RESET ROLE`
// in injected SQL. So every check asks pg_has_role(session_user, …, 'MEMBER'), which includes the login itself.
const INSPECT = `
  SELECT session_user::text AS login,
    (SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r WHERE r.rolsuper AND pg_has_role(session_user, r.oid, 'MEMBER')) AS superusers,
    (SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r WHERE r.rolbypassrls AND pg_has_role(session_user, r.oid, 'MEMBER')) AS bypassers,
    (SELECT array_agg(DISTINCT pg_get_userbyid(c.relowner)::text) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        AND pg_has_role(session_user, c.relowner, 'MEMBER')) AS owners,
    (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        AND pg_has_role(session_user, c.relowner, 'MEMBER')) AS owned`;

const FIX =
  "connect DATABASE_URL as a login that is only a member of bulwark_app (bulwark migrate creates the one DATABASE_URL names, or: CREATE ROLE bulwark_server LOGIN PASSWORD '…' NOINHERIT IN ROLE bulwark_app) and give the owner to BULWARK_MIGRATION_DATABASE_URL";

/** Inspects the login of `db`'s serving connection: is it a superuser, BYPASSRLS, or (a member of) a table owner? */
export async function inspectServingRole(db: Db): Promise<ServingRoleReport> {
  const row = await db.withPlatform(async (sql) => (await sql.query<RoleRow>(INSPECT)).rows[0]);
  if (!row) throw new Error('role inspection returned no row');
  const problems: string[] = [];
  const superusers = row.superusers ?? [];
  const bypassers = row.bypassers ?? [];
  if (superusers.length)
    problems.push(
      `login ${row.login} is a superuser${superusers.includes(row.login) ? '' : ` through ${superusers.join(', ')}`}: ${FIX}`,
    );
  else if (bypassers.length)
    problems.push(
      `login ${row.login} has BYPASSRLS${bypassers.includes(row.login) ? '' : ` through ${bypassers.join(', ')}`}: ALTER ROLE ${bypassers.join(', ')} NOBYPASSRLS, or ${FIX}`,
    );
  if (!superusers.length && row.owned > 0)
    problems.push(
      `login ${row.login} owns ${row.owned} tables or sequences (as ${(row.owners ?? []).join(', ')}): ${FIX}`,
    );
  return { login: row.login, problems };
}

/** Throws `db.serving_role_unsafe`, naming each problem and the setting to change, unless the report is clean. */
export function assertServingRoleSafe(report: ServingRoleReport): void {
  if (report.problems.length === 0) return;
  throw new AppError('db.serving_role_unsafe', {
    publicMessage: `production refuses the serving database login: ${report.problems.join('; ')}`,
    details: { login: report.login, problems: report.problems },
  });
}
