import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { migrate, PgliteDb, PostgresDb, type Db } from '../../src/platform/db/index.js';

/** A fresh, migrated database for one test file, and how to run SQL as the owner/superuser beside it. */
export interface TestDb {
  db: Db;
  /** Runs SQL as the superuser that owns the database: for tampering behind the app's back. */
  superuser(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Connection string of the PostgreSQL database (undefined on PGlite, whose in-memory database has none). */
  url?: string;
  close(): Promise<void>;
}

/** The real PostgreSQL server of this run, when DATABASE_URL is set. */
export const postgresUrl = process.env.DATABASE_URL;

/** Name of the backend the suite runs on, for test titles. */
export const backendName = postgresUrl ? 'postgres' : 'pglite';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Creates a fresh database on the backend under test: in-memory PGlite by default, or a new,
 * uniquely named database on the PostgreSQL server of DATABASE_URL (dropped on close).
 */
export async function createTestDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  const shouldMigrate = options.migrate ?? true;
  if (!postgresUrl) {
    const template = process.env.BULWARK_TEST_PGLITE_TEMPLATE;
    const db = shouldMigrate && template ? await PgliteDb.open(undefined, { template: new Blob([await readFile(template)]) }) : await PgliteDb.open();
    if (shouldMigrate) await migrate(db);
    return {
      db,
      superuser: (sql, params = []) => db.withOwner(async (tx) => (await tx.query(sql, params)).rows),
      close: () => db.close(),
    };
  }
  const name = `bulwark_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(postgresUrl, name);
  const db = await PostgresDb.open(url, { maxConnections: 20 });
  if (shouldMigrate) await migrate(db);
  const owner = new pg.Pool({ connectionString: url, max: 2 });
  return {
    db,
    url,
    superuser: async (sql, params = []) => (await owner.query(sql, params)).rows as Record<string, unknown>[],
    close: async () => {
      await db.close();
      await owner.end();
      const dropper = new pg.Client({ connectionString: postgresUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
