import pg from 'pg';
import type { OrgId } from '../../lib/ids.js';
import { CommitListeners } from './commit-notices.js';
import { PostgresCommitFeed } from './postgres-commit-feed.js';
import type {
  CommitNotice,
  Db,
  OwnerDb,
  PlatformSql,
  PushedCommits,
  Sql,
  SqlResult,
  TenantSql,
  TenantContextSigner,
} from './db.js';
import { translateDbError } from './translate-db-error.js';
import { enterPlatform, enterTenant } from './scoped-transaction.js';

/** A transaction's client: opens the transaction with its first statement. */
interface TransactionSql extends Sql {
  /** Whether BEGIN has been sent (nothing to commit or roll back otherwise). */
  readonly begun: boolean;
}

// Timestamps come back as Date; bigint (int8) as string is the pg default and kept, callers convert.
// BEGIN rides with the first statement when that one has no parameters (every scoped transaction starts with the
// parameterless role switch), which saves a round trip per transaction.
function wrap(client: pg.PoolClient): TransactionSql {
  let begun = false;
  return {
    get begun() {
      return begun;
    },
    async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      try {
        let sent = text;
        if (!begun && params.length === 0) sent = `BEGIN;\n${text}`;
        else if (!begun) await client.query('BEGIN');
        begun = true;
        // Without parameters the simple protocol runs, which also accepts multi-statement scripts (migrations).
        const raw: pg.QueryResult | pg.QueryResult[] =
          params.length === 0 ? await client.query(sent) : await client.query(sent, [...params]);
        const result = Array.isArray(raw) ? raw.at(-1) : raw;
        const rows = (result?.rows ?? []) as R[];
        return { rows, rowCount: result?.rowCount ?? rows.length };
      } catch (error) {
        throw translateDbError(error);
      }
    },
  };
}

const ignore = (): void => undefined;

/** A pool that knows when its last socket has closed (pool.end() resolves before the clients' sockets do). */
interface TrackedPool {
  pool: pg.Pool;
  /** Resolves once every client the pool opened has ended. */
  drained(): Promise<void>;
}

async function connectPool(connectionString: string, maxConnections: number): Promise<TrackedPool> {
  const pool = new pg.Pool({ connectionString, max: maxConnections, application_name: 'bulwark' });
  // An idle client that errors (server restart, database dropped) must not crash the process; the pool replaces it.
  pool.on('error', ignore);
  let open = 0;
  let waiters: (() => void)[] = [];
  pool.on('connect', (client) => {
    open += 1;
    // A client being ended can still receive the server's 57P01 (terminating connection); it must not throw.
    client.on('error', ignore);
  });
  pool.on('remove', () => {
    open -= 1;
    if (open === 0) for (const wake of waiters.splice(0)) wake();
  });
  // Bounded: a client whose socket died without an 'end' must not hang shutdown.
  const drained = (): Promise<void> =>
    open === 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(resolve, 5_000);
          timer.unref();
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
  const tracked: TrackedPool = { pool, drained };
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    waiters = [];
    throw error;
  }
  return tracked;
}

/**
 * PostgreSQL over node-postgres with a connection pool: the serving connection. It has no owner access;
 * connect it as a login role that is a member of `bulwark_app` and owns nothing (`bulwark doctor` checks).
 */
export class PostgresDb implements Db {
  readonly kind = 'postgres';
  // Other nodes, migrations and operators' shells write the same database.
  readonly soleWriter = false;
  readonly #committed = new CommitListeners();
  #pushed: PostgresCommitFeed | undefined;

  protected readonly pool: pg.Pool;
  readonly #tracked: TrackedPool;
  #signer: TenantContextSigner | undefined;

  protected constructor(tracked: TrackedPool) {
    this.pool = tracked.pool;
    this.#tracked = tracked;
  }

  /**
   * Connects a serving pool to `connectionString`; fails if the server does not answer. With `pushBoundMs`, it also
   * subscribes to other writers' org-generation changes (`pushedCommits`), fresh within that many milliseconds.
   */
  static async open(
    connectionString: string,
    options: {
      maxConnections?: number;
      pushBoundMs?: number;
      onFeedTrouble?: (error: unknown, failedAttempts: number) => void;
    } = {},
  ): Promise<PostgresDb> {
    const db = new PostgresDb(await connectPool(connectionString, options.maxConnections ?? 10));
    if (options.pushBoundMs !== undefined && options.pushBoundMs > 0) {
      db.#pushed = await PostgresCommitFeed.start(connectionString, {
        boundMs: options.pushBoundMs,
        tell: (notice) => db.#committed.tell([notice]),
        ...(options.onFeedTrouble ? { onTrouble: options.onFeedTrouble } : {}),
      });
    }
    return db;
  }

  get pushedCommits(): PushedCommits | undefined {
    return this.#pushed;
  }

  protected async transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const sql = wrap(client);
    let broken = false;
    try {
      const result = await fn(sql);
      if (sql.begun) await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        if (sql.begun) await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async withTenant<T>(orgId: OrgId, fn: (sql: TenantSql) => Promise<T>): Promise<T> {
    const notices: CommitNotice[] = [];
    const result = await this.transaction(async (sql) => fn(await enterTenant(sql, orgId, this.#signer, notices)));
    this.#committed.tell(notices);
    return result;
  }

  async withPlatform<T>(fn: (sql: PlatformSql) => Promise<T>): Promise<T> {
    const notices: CommitNotice[] = [];
    const result = await this.transaction(async (sql) => fn(await enterPlatform(sql, this.#signer, notices)));
    this.#committed.tell(notices);
    return result;
  }

  onCommitted(listener: (notice: CommitNotice) => void): () => void {
    return this.#committed.add(listener);
  }

  keyTenantContext(signer: TenantContextSigner): void {
    this.#signer = signer;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Ends the pool and resolves once every connection is closed, so dropping the database afterwards interrupts no one. */
  async close(): Promise<void> {
    await this.#pushed?.close();
    if (!this.pool.ended) await this.pool.end();
    await this.#tracked.drained();
  }
}

/** The migration connection to PostgreSQL: a pool of the role that owns the schema, with owner access. */
export class PostgresOwnerDb extends PostgresDb implements OwnerDb {
  /** Connects an owner pool to `connectionString` (BULWARK_MIGRATION_DATABASE_URL, else DATABASE_URL). */
  static async openOwner(
    connectionString: string,
    options: { maxConnections?: number } = {},
  ): Promise<PostgresOwnerDb> {
    return new PostgresOwnerDb(await connectPool(connectionString, options.maxConnections ?? 2));
  }

  withOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.transaction(fn);
  }
}
