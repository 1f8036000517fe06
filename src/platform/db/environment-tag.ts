import { AppError } from '../../lib/errors/index.js';
import type { Db, OwnerDb } from './db.js';

/** Deployment environments; a database belongs to the one that created it. */
export type Environment = 'development' | 'test' | 'production';

// SECURITY: development and production never share data. Test counts as non-production: a test
// server may open a development database and vice versa, but neither may open a production one.
function compatible(database: Environment, server: Environment): boolean {
  return (database === 'production') === (server === 'production');
}

/**
 * Tags a fresh database with `environment`, or checks the tag of an existing one.
 * Throws `db.environment_mismatch` when the database belongs to the other side.
 */
export async function claimEnvironment(db: OwnerDb, environment: Environment): Promise<void> {
  const tagged = await db.withOwner(async (sql) => {
    await sql.query('INSERT INTO platform_meta (environment) VALUES ($1) ON CONFLICT (singleton) DO NOTHING', [
      environment,
    ]);
    const { rows } = await sql.query<{ environment: Environment }>('SELECT environment FROM platform_meta');
    return rows[0]?.environment;
  });
  assertCompatible(tagged, environment);
}

/**
 * Checks the environment tag over a serving connection, without writing: throws `db.environment_mismatch` when
 * the database belongs to the other side or was never tagged (run `bulwark migrate`).
 */
export async function checkEnvironment(db: Db, environment: Environment): Promise<void> {
  const tagged = await db.withPlatform(
    async (sql) =>
      (await sql.query<{ environment: Environment }>('SELECT environment FROM platform_meta')).rows[0]?.environment,
  );
  assertCompatible(tagged, environment);
}

function assertCompatible(tagged: Environment | undefined, environment: Environment): void {
  if (tagged === undefined || !compatible(tagged, environment)) {
    throw new AppError('db.environment_mismatch', {
      publicMessage: `this database was created by a ${tagged ?? 'unknown'} server; a ${environment} server refuses to open it`,
      details: { database_environment: tagged, server_environment: environment },
    });
  }
}
