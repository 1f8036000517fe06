import { AppError, isAppError } from '../../lib/errors/index.js';
import { APP_ROLE } from './scoped-transaction.js';
import type { OwnerDb } from './db.js';

/** The login a serving connection uses, as named by its connection string. */
export interface ServingLogin {
  user: string;
  password?: string;
}

/** What provisioning did: created the login, granted it the app role, nothing (already right), or skipped (same as the owner). */
export type ProvisionOutcome = 'created' | 'granted' | 'unchanged' | 'same_as_owner';

/** The user and password of a `postgres://user:password@host/db` URL; undefined when it names no user. */
export function servingLoginFromUrl(connectionString: string): ServingLogin | undefined {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return undefined;
  }
  if (!url.username) return undefined;
  const user = decodeURIComponent(url.username);
  return url.password ? { user, password: decodeURIComponent(url.password) } : { user };
}

interface RoleState {
  exists: boolean;
  member: boolean;
}

async function roleState(owner: OwnerDb, user: string): Promise<RoleState & { ownerName: string }> {
  return owner.withOwner(async (sql) => {
    const { rows } = await sql.query<{ owner: string; exists: boolean; member: boolean }>(
      `SELECT current_user::text AS owner, r.oid IS NOT NULL AS exists, COALESCE(pg_has_role(r.oid, '${APP_ROLE}', 'MEMBER'), false) AS member
         FROM (SELECT 1) one LEFT JOIN pg_roles r ON r.rolname = $1`,
      [user],
    );
    const row = rows[0];
    return { ownerName: row?.owner ?? '', exists: row?.exists ?? false, member: row?.member ?? false };
  });
}

// SECURITY: the login is created NOINHERIT and a member of bulwark_app only: it holds no privilege of its own, so SQL
// that runs `RESET ROLE` inside a transaction is left with a role that can read no table, and it is never a superuser,
// BYPASSRLS or an owner. An existing role is never altered (roles are cluster-wide; another database may use it):
// it is only granted bulwark_app, and `bulwark doctor` / production start refuse it if it is privileged.
/**
 * Makes sure the serving login exists and may `SET ROLE bulwark_app`, using the owner (migration) connection.
 * Creating it needs CREATEROLE; without it, the error says what the operator must run.
 */
export async function provisionServingLogin(owner: OwnerDb, login: ServingLogin): Promise<ProvisionOutcome> {
  const before = await roleState(owner, login.user);
  if (before.ownerName === login.user) return 'same_as_owner';
  if (before.exists && before.member) return 'unchanged';
  try {
    await owner.withOwner(async (sql) => {
      if (!before.exists) {
        if (login.password === undefined)
          throw new AppError('db.serving_role_unsafe', {
            publicMessage: `the serving login ${login.user} does not exist and DATABASE_URL carries no password to create it with; create it: CREATE ROLE ${login.user} LOGIN PASSWORD '…' NOINHERIT IN ROLE ${APP_ROLE}`,
          });
        const { rows } = await sql.query<{ stmt: string }>(
          `SELECT format('CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT IN ROLE ${APP_ROLE}', $1::text, $2::text) AS stmt`,
          [login.user, login.password],
        );
        await sql.query(rows[0]?.stmt ?? '');
      } else {
        const { rows } = await sql.query<{ stmt: string }>(
          `SELECT format('GRANT ${APP_ROLE} TO %I', $1::text) AS stmt`,
          [login.user],
        );
        await sql.query(rows[0]?.stmt ?? '');
      }
    });
  } catch (error) {
    // Another node or test may have created or granted it at the same moment (roles are cluster-wide).
    const after = await roleState(owner, login.user);
    if (after.exists && after.member) return 'unchanged';
    if (isAppError(error, 'db.serving_role_unsafe')) throw error;
    throw new AppError('db.serving_role_unsafe', {
      publicMessage: `could not ${before.exists ? 'grant' : 'create'} the serving login ${login.user} (${error instanceof Error ? error.message : String(error)}); as a role with CREATEROLE run: ${before.exists ? `GRANT ${APP_ROLE} TO ${login.user}` : `CREATE ROLE ${login.user} LOGIN PASSWORD '…' NOINHERIT IN ROLE ${APP_ROLE}`}`,
      cause: error,
    });
  }
  return before.exists ? 'granted' : 'created';
}
