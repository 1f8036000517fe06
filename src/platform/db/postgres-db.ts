import pg from 'pg';
import type { OrgId } from '../../lib/ids.js';
import type { Db, PlatformSql, Sql, SqlResult, TenantSql } from './db.js';
import { translateDbError } from './translate-db-error.js';
import { enterPlatform, enterTenant } from './scoped-transaction.js';

// Timestamps come back as Date; bigint (int8) as string is the pg default and kept, callers convert.
function wrap(client: pg.PoolClient): Sql {
  return {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      try {
        // Without parameters the simple protocol runs, which also accepts multi-statement scripts (migrations).
        const raw: pg.QueryResult | pg.QueryResult[] = params.length === 0 ? await client.query(text) : await client.query(text, [...params]);
        const result = Array.isArray(raw) ? raw.at(-1) : raw;
        const rows = (result?.rows ?? []) as R[];
        return { rows, rowCount: result?.rowCount ?? rows.length };
      } catch (error) {
        throw translateDbError(error);
      }
    },
  };
}

/** PostgreSQL over node-postgres with a connection pool. */
export class PostgresDb implements Db {
  readonly kind = 'postgres';

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects a pool to `connectionString`; fails if the server does not answer. */
  static async open(connectionString: string, options: { maxConnections?: number } = {}): Promise<PostgresDb> {
    const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, application_name: 'bulwark' });
    // An idle client that errors (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const db = new PostgresDb(pool);
    try {
      await db.ping();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return db;
  }

  private async transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  withTenant<T>(orgId: OrgId, fn: (sql: TenantSql) => Promise<T>): Promise<T> {
    return this.transaction(async (sql) => fn(await enterTenant(sql, orgId)));
  }

  withPlatform<T>(fn: (sql: PlatformSql) => Promise<T>): Promise<T> {
    return this.transaction(async (sql) => fn(await enterPlatform(sql)));
  }

  withOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.transaction(fn);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
