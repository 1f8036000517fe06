import type { OrgId } from '../../lib/ids.js';

/** Result of one SQL statement. */
export interface SqlResult<R> {
  rows: R[];
  rowCount: number;
}

/** What a transaction claims to be: one org's tenant scope, or the platform scope. */
export type ContextClaim = `tenant:${string}` | 'platform';

/** Signs a transaction's tenant context (the implementation: tenant-context-key.ts). */
export interface TenantContextSigner {
  /** The value of `bulwark.context` for `claim` in the transaction whose binding (`<pid>|<start µs>`) is given. */
  contextFor(claim: ContextClaim, binding: string): string;
}

/** A handle that runs parameterised SQL inside one transaction. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

/** What a transaction tells its Db's listeners once it has committed (never when it rolls back). */
export interface CommitNotice {
  kind: 'org_generation';
  orgId: OrgId;
  /** The org's cache generation as the transaction left it. */
  generation: number;
  /** Set when another writer's commit was pushed by the database rather than committed by this Db. */
  pushed?: true;
}

/**
 * Other writers' commits as the database pushes them to this node (PostgreSQL LISTEN/NOTIFY), and how current that
 * is. Its notices reach the Db's `onCommitted` listeners like the node's own.
 */
export interface PushedCommits {
  /** The most a change committed elsewhere may be older than a fresh feed's view (ms): the stated bound. */
  readonly boundMs: number;
  /**
   * The current unbroken subscription, undefined while there is none. What was learned under one subscription says
   * nothing once it ends: changes committed while no one listened were never told.
   */
  readonly subscription: number | undefined;
  /** Whether every change committed more than `boundMs` ago has been told under the current subscription. */
  isFresh(): boolean;
  /** Attempts to subscribe that failed since the last one that succeeded (0 while subscribed). */
  readonly failedAttempts: number;
  close(): Promise<void>;
}

/** A transaction handle scoped to one org: row-level security admits only that org's rows. */
export interface TenantSql extends Sql {
  readonly orgId: OrgId;
  readonly scope: 'tenant';
  /** Queues `notice` for the Db's `onCommitted` listeners, told right after this transaction commits. */
  afterCommit(notice: CommitNotice): void;
}

/** A transaction handle with no tenant: platform tables only; every tenant table reads as empty. */
export interface PlatformSql extends Sql {
  readonly scope: 'platform';
  /**
   * Switches this transaction to one org's tenant scope, for platform operations that must write a
   * tenant's first rows atomically (org creation with its owner and audit event). The platform handle
   * must not be used afterwards.
   */
  enterTenant(orgId: OrgId): Promise<TenantSql>;
  /**
   * Runs `fn` in one org's tenant scope inside this same transaction, then returns to the platform scope, so
   * one use case can write platform rows and several tenants' rows atomically. The tenant handle is refused
   * once `fn` has returned.
   */
  inTenant<T>(orgId: OrgId, fn: (sql: TenantSql) => Promise<T>): Promise<T>;
}

/** Which engine stores the data. */
export type DbKind = 'pglite' | 'postgres';

/**
 * The database port of a serving node. Every application query runs as the `bulwark_app` role, which owns
 * no table and lacks BYPASSRLS, inside a transaction whose tenant is set by `withTenant`. A serving Db has no
 * owner access: on PostgreSQL it connects as a login role that is only a member of `bulwark_app`.
 */
export interface Db {
  readonly kind: DbKind;
  /** Runs `fn` in a transaction as `bulwark_app` in `orgId`'s signed tenant context. The only way to a tenant handle. */
  withTenant<T>(orgId: OrgId, fn: (sql: TenantSql) => Promise<T>): Promise<T>;
  /** Runs `fn` in a transaction as `bulwark_app` with the platform scope (orgs, users, bootstrap); no tenant rows are visible. */
  withPlatform<T>(fn: (sql: PlatformSql) => Promise<T>): Promise<T>;
  /**
   * Signs every later transaction's tenant context with `signer` (migration 0012). Until a Db is keyed its
   * transactions carry no context: tenant tables read as empty and platform tables with policies refuse writes.
   */
  keyTenantContext(signer: TenantContextSigner): void;
  /**
   * Whether this process is the database's only writer (the embedded database: its data folder is locked to one
   * process). Then every committed change passes through this Db, and its commit notices tell all of them.
   */
  readonly soleWriter: boolean;
  /** Other writers' commits pushed to this node, when the database pushes them and the Db subscribed. */
  readonly pushedCommits?: PushedCommits;
  /**
   * Calls `listener` with every notice of every transaction of this Db, right after it commits, and with every pushed
   * notice of other writers' commits; returns the unsubscribe.
   */
  onCommitted(listener: (notice: CommitNotice) => void): () => void;
  /** Answers when the database is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The migration (owner) connection: a Db that can also run SQL as the role that owns the schema. Used by
 * `bulwark migrate`, the environment tag and tests that tamper behind the app's back; never by a request handler.
 * PGlite's single connection is a superuser, so a PgliteDb is always an OwnerDb.
 */
export interface OwnerDb extends Db {
  /** Runs `fn` in a transaction as the connecting (owner) role, bypassing the app role. */
  withOwner<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

/** Whether `db` carries owner access (the migration connection, or PGlite). */
export function isOwnerDb(db: Db): db is OwnerDb {
  return typeof (db as Partial<OwnerDb>).withOwner === 'function';
}
