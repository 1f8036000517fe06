import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import type { Db } from './db.js';
import { PgliteDb } from './pglite-db.js';
import { PostgresDb } from './postgres-db.js';

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, else PGlite in the data folder. */
export async function openDb(config: Config): Promise<Db> {
  if (config.databaseUrl !== undefined) return PostgresDb.open(config.databaseUrl.reveal());
  const dir = path.resolve(config.dataDir, 'pgdata');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return PgliteDb.open(dir);
}
