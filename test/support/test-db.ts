import { readFile } from 'node:fs/promises';
import { createHmac, randomBytes } from 'node:crypto';
import pg from 'pg';
import { AppError } from '../../src/lib/errors/index.js';
import {
  keyTenantContext,
  migrate,
  PgliteDb,
  PostgresDb,
  PostgresOwnerDb,
  provisionServingLogin,
  type Db,
  type OwnerDb,
  type TenantContextKeySource,
} from '../../src/platform/db/index.js';

/**
 * A MAC key of the test database alone, standing in for the key vault's until a runtime opens on it: the runtime's
 * vault cannot derive this key's id, so it installs its own (as `bulwark migrate` does on a fresh database).
 */
function testKeySource(): TenantContextKeySource {
  const id = `test:${randomBytes(8).toString('hex')}`;
  const key = randomBytes(32);
  return {
    currentMacKeyId: () => id,
    mac: async (keyId, data) => {
      if (keyId !== id) throw new AppError('vault.key_not_found', { publicMessage: `no MAC key ${keyId}` });
      return createHmac('sha256', key).update(data).digest();
    },
  };
}

/** A fresh, migrated database for one test file, and how to run SQL as the owner/superuser beside it. */
export interface TestDb {
  /**
   * The serving connection the app uses. On PostgreSQL it connects as the login {@link TEST_SERVING_LOGIN} (NOINHERIT,
   * member of bulwark_app only), so row-level security is tested as it binds in production; with `migrate: false` it
   * is the owner connection (the login is provisioned by migrations).
   */
  db: Db;
  /** The migration (owner) connection: the superuser on PostgreSQL; the same single connection on PGlite. */
  owner: OwnerDb;
  /** Runs SQL as the superuser that owns the database: for tampering behind the app's back. */
  superuser(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Owner (superuser) connection string of the PostgreSQL database (undefined on PGlite, whose in-memory database has none). */
  url?: string;
  /** Connection string of the serving login on the PostgreSQL database. */
  servingUrl?: string;
  /**
   * Opens another serving connection to the PostgreSQL database, as a second node would have (its own pool and its
   * own pushed changes), keyed with the test key unless `keyed` is false (a runtime keys it with its vault).
   * Undefined on PGlite, a database of one process.
   */
  openServingDb?: (keyed?: boolean) => Promise<Db>;
  close(): Promise<void>;
}

/**
 * How long after a change commits through one node another node may still serve it from its caches, on PostgreSQL
 * (`cachePushBoundMs`, as in production's default). A test of two nodes waits this long before it expects the change.
 */
export const TEST_CACHE_PUSH_BOUND_MS = 250;

/** Waits out {@link TEST_CACHE_PUSH_BOUND_MS}: afterwards every node must act on a change committed before the wait. */
export const afterCachePushBound = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, TEST_CACHE_PUSH_BOUND_MS + 50));

/** The real PostgreSQL server of this run, when DATABASE_URL is set. */
export const postgresUrl = process.env.DATABASE_URL;

/** Name of the backend the suite runs on, for test titles. */
export const backendName = postgresUrl ? 'postgres' : 'pglite';

/**
 * The serving login of every PostgreSQL test database. Roles are cluster-wide, so test files share this one (created
 * once by whichever file migrates first; never altered or dropped); each database grants it only through bulwark_app.
 */
export const TEST_SERVING_LOGIN = { user: 'bulwark_test_server', password: 'bulwark-test-server-password' } as const;

function withDatabase(url: string, database: string, login?: { user: string; password: string }): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (login) {
    parsed.username = encodeURIComponent(login.user);
    parsed.password = encodeURIComponent(login.password);
  }
  return parsed.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Dropping with FORCE while a client is still connected makes the server send it 57P01 (terminating connection), which
// surfaced as an error at teardown. The pools are closed (and their sockets gone) first; the plain DROP then waits out
// the few milliseconds a backend needs to exit, and FORCE is only the last resort for a leaked client.
async function dropDatabase(name: string): Promise<void> {
  const dropper = new pg.Client({ connectionString: postgresUrl });
  dropper.on('error', () => undefined);
  await dropper.connect();
  try {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006') throw error;
        await sleep(100);
      }
    }
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await dropper.end();
  }
}

/**
 * Creates a fresh database on the backend under test: in-memory PGlite by default, or a new,
 * uniquely named database on the PostgreSQL server of DATABASE_URL (dropped on close).
 */
export async function createTestDb(options: { migrate?: boolean; pushBoundMs?: number } = {}): Promise<TestDb> {
  const shouldMigrate = options.migrate ?? true;
  if (!postgresUrl) {
    const template = process.env.BULWARK_TEST_PGLITE_TEMPLATE;
    const db =
      shouldMigrate && template
        ? await PgliteDb.open(undefined, { template: new Blob([await readFile(template)]) })
        : await PgliteDb.open();
    if (shouldMigrate) {
      await migrate(db);
      await keyTenantContext(db, testKeySource(), db);
    }
    return {
      db,
      owner: db,
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
  const servingUrl = withDatabase(postgresUrl, name, TEST_SERVING_LOGIN);
  const owner = await PostgresOwnerDb.openOwner(url, { maxConnections: 4 });
  const source = testKeySource();
  const openServingDb = async (keyed = true): Promise<Db> => {
    const serving = await PostgresDb.open(servingUrl, {
      maxConnections: 20,
      pushBoundMs: options.pushBoundMs ?? TEST_CACHE_PUSH_BOUND_MS,
    });
    if (keyed) await keyTenantContext(serving, source);
    return serving;
  };
  let db: Db = owner;
  try {
    if (shouldMigrate) {
      await migrate(owner);
      await provisionServingLogin(owner, TEST_SERVING_LOGIN);
      await keyTenantContext(owner, source, owner);
      db = await openServingDb();
    }
  } catch (error) {
    await owner.close();
    await dropDatabase(name);
    throw error;
  }
  return {
    db,
    owner,
    url,
    servingUrl,
    ...(shouldMigrate ? { openServingDb } : {}),
    superuser: (sql, params = []) => owner.withOwner(async (tx) => (await tx.query(sql, params)).rows),
    close: async () => {
      if (db !== owner) await db.close();
      await owner.close();
      await dropDatabase(name);
    },
  };
}
