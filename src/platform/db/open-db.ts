import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import type { Db, OwnerDb } from './db.js';
import { PgliteDb } from './pglite-db.js';
import { PostgresDb, PostgresOwnerDb } from './postgres-db.js';
import { servingLoginFromUrl, type ServingLogin } from './serving-login.js';

async function openPglite(config: Config): Promise<PgliteDb> {
  const dir = path.resolve(config.dataDir, 'pgdata');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return PgliteDb.open(dir);
}

/**
 * Opens the serving connection: PostgreSQL (DATABASE_URL) as its login, with no owner access; else PGlite in the
 * data folder (one superuser connection, so it is also the owner connection). `onFeedTrouble` hears of the
 * PostgreSQL commit feed's lost subscriptions and failed attempts to subscribe.
 */
export async function openDb(
  config: Config,
  hooks: { onFeedTrouble?: (error: unknown, failedAttempts: number) => void } = {},
): Promise<Db> {
  if (config.databaseUrl !== undefined)
    return PostgresDb.open(config.databaseUrl.reveal(), { pushBoundMs: config.cachePushBoundMs, ...hooks });
  return openPglite(config);
}

/** Opens the migration (owner) connection: BULWARK_MIGRATION_DATABASE_URL, else DATABASE_URL, else PGlite. */
export async function openMigrationDb(config: Config): Promise<OwnerDb> {
  const url = config.migrationDatabaseUrl ?? config.databaseUrl;
  if (url !== undefined) return PostgresOwnerDb.openOwner(url.reveal());
  return openPglite(config);
}

/** The serving login `bulwark migrate` provisions: the user of DATABASE_URL when a separate migration URL is set. */
export function servingLoginOf(config: Config): ServingLogin | undefined {
  if (config.databaseUrl === undefined || config.migrationDatabaseUrl === undefined) return undefined;
  return servingLoginFromUrl(config.databaseUrl.reveal());
}
