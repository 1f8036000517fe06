import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../lib/errors/index.js';
import type { Db, OwnerDb, Sql } from './db.js';

/** Folder of the forward-only SQL migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../db/migrations/', import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Any fixed number works; it only has to be the same for every node so two nodes never migrate at once.
const MIGRATION_LOCK_ID = 0x62776b01;

/** A migration file: its version, name, SQL and checksum. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** Reads the migration files in version order; refuses gaps and duplicate versions. */
export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const [index, file] of files.entries()) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file name ${file} must look like 0001_name.sql`);
    const version = Number(match[1]);
    if (version !== index + 1)
      throw new Error(`migration ${file}: expected version ${index + 1} (no gaps or duplicates)`);
    const sql = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version,
      name: match[2] as string,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function appliedMigrations(sql: Sql): Promise<AppliedRow[]> {
  await sql.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await sql.query<AppliedRow>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  return rows;
}

/** Compares applied migrations with the files; throws when an applied one was changed. Returns the pending ones. */
export function pendingMigrations(applied: readonly AppliedRow[], migrations: readonly Migration[]): Migration[] {
  for (const row of applied) {
    const file = migrations.find((m) => m.version === row.version);
    if (file === undefined) {
      throw new AppError('db.migration_checksum_mismatch', {
        publicMessage: `database has migration ${row.version} (${row.name}) that this build does not know; refusing to run an older build`,
      });
    }
    if (file.checksum !== row.checksum) {
      throw new AppError('db.migration_checksum_mismatch', {
        publicMessage: `applied migration ${row.version} (${row.name}) was changed; migrations are forward-only, add a new one instead`,
      });
    }
  }
  return migrations.filter((m) => !applied.some((row) => row.version === m.version));
}

/** Applies pending migrations, each in its own transaction, under an advisory lock. Returns the versions applied. */
export async function migrate(db: OwnerDb, migrations?: readonly Migration[]): Promise<number[]> {
  const all = migrations ?? (await readMigrations());
  const appliedNow: number[] = [];
  for (;;) {
    const next = await db.withOwner(async (sql) => {
      await sql.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      const pending = pendingMigrations(await appliedMigrations(sql), all);
      const migration = pending[0];
      if (migration === undefined) return undefined;
      await sql.query(migration.sql);
      await sql.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return migration.version;
    });
    if (next === undefined) return appliedNow;
    appliedNow.push(next);
  }
}

// The serving login reads schema_migrations through bulwark_app (granted SELECT by migration 0009); it never creates it.
// Before 0009 (or on a fresh database) the table is missing or unreadable, and every migration counts as pending.
/** Status of the schema, read over a serving connection: pending migration versions; throws when an applied migration was changed. */
export async function migrationStatus(db: Db, migrations?: readonly Migration[]): Promise<{ pending: number[] }> {
  const all = migrations ?? (await readMigrations());
  const applied = await db.withPlatform(async (sql) => {
    const { rows } = await sql.query<{ readable: boolean }>(
      "SELECT to_regclass('public.schema_migrations') IS NOT NULL AND has_table_privilege('public.schema_migrations', 'SELECT') AS readable",
    );
    if (!rows[0]?.readable) return undefined;
    return (await sql.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows;
  });
  return {
    pending: applied === undefined ? all.map((m) => m.version) : pendingMigrations(applied, all).map((m) => m.version),
  };
}
