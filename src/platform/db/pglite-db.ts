import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { OrgId } from '../../lib/ids.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { CommitListeners } from './commit-notices.js';
import type { CommitNotice, OwnerDb, PlatformSql, Sql, SqlResult, TenantSql, TenantContextSigner } from './db.js';
import { translateDbError } from './translate-db-error.js';
import { enterPlatform, enterTenant } from './scoped-transaction.js';

function wrap(tx: Transaction): Sql {
  return {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      try {
        // Without parameters the simple protocol runs, which also accepts multi-statement scripts (migrations).
        const result = params.length === 0 ? (await tx.exec(text)).at(-1) : await tx.query<R>(text, [...params]);
        const rows = (result?.rows ?? []) as R[];
        return { rows, rowCount: result?.affectedRows ?? rows.length };
      } catch (error) {
        throw translateDbError(error);
      }
    },
  };
}

/**
 * The embedded database: PostgreSQL compiled to WebAssembly. It runs as a superuser, so scoped
 * transactions switch to the app role (see scoped-transaction.ts), exactly as on PostgreSQL.
 * PGlite has one connection; its transactions run one at a time. That connection is a superuser, so a
 * `RESET ROLE` in injected SQL would reach it: a documented limit (docs/architecture.md, "Database roles").
 */
export class PgliteDb implements OwnerDb {
  readonly kind = 'pglite';
  // SECURITY: the data folder is locked to this process (lockDataDir), and an in-memory database lives in it alone.
  readonly soleWriter = true;
  #signer: TenantContextSigner | undefined;
  readonly #committed = new CommitListeners();

  private constructor(
    private readonly pg: PGlite,
    private readonly lock: DataDirLock | undefined,
  ) {}

  /**
   * Opens (creating if needed) a PGlite database in `dataDir`, or in memory when `dataDir` is undefined.
   * `template` is a data folder dump (from `dumpDataDir`) to start from instead of an empty cluster.
   */
  static async open(dataDir?: string, options: { template?: Blob } = {}): Promise<PgliteDb> {
    // PostgreSQL's default shared_buffers (128 MB) is touched at start and held in the WebAssembly heap: about 140 MB of
    // resident memory for an embedded, single-connection database whose files the OS caches anyway. 16 MB is enough.
    const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
    const pgOptions = options.template ? { loadDataDir: options.template, startParams } : { startParams };
    // A data folder is locked first: a second process on it gets `db.data_dir_in_use` (with its pid), not `Aborted()`.
    const lock = dataDir === undefined ? undefined : await lockDataDir(dataDir);
    try {
      const pg = dataDir === undefined ? new PGlite(pgOptions) : new PGlite(dataDir, pgOptions);
      await pg.waitReady;
      return new PgliteDb(pg, lock);
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  /** A dump of the whole data folder, loadable as a `template`. */
  async dumpDataDir(): Promise<Blob> {
    return this.pg.dumpDataDir('none');
  }

  async withTenant<T>(orgId: OrgId, fn: (sql: TenantSql) => Promise<T>): Promise<T> {
    const notices: CommitNotice[] = [];
    const result = await this.pg.transaction(async (tx) =>
      fn(await enterTenant(wrap(tx), orgId, this.#signer, notices)),
    );
    this.#committed.tell(notices);
    return result;
  }

  async withPlatform<T>(fn: (sql: PlatformSql) => Promise<T>): Promise<T> {
    const notices: CommitNotice[] = [];
    const result = await this.pg.transaction(async (tx) => fn(await enterPlatform(wrap(tx), this.#signer, notices)));
    this.#committed.tell(notices);
    return result;
  }

  onCommitted(listener: (notice: CommitNotice) => void): () => void {
    return this.#committed.add(listener);
  }

  withOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (tx) => fn(wrap(tx)));
  }

  keyTenantContext(signer: TenantContextSigner): void {
    this.#signer = signer;
  }

  async ping(): Promise<void> {
    await this.pg.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
    await this.lock?.release();
  }
}
