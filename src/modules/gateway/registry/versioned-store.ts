import { bumpOrgGeneration } from '../../../platform/cache-generation/index.js';
import type { TenantSql } from '../../../platform/db/index.js';
import type { AuditActor } from '../../audit/index.js';

/** One immutable version of a registry entry (a prompt, a model route): its content and where it came from. */
export type Versioned<C> = C & {
  name: string;
  version: number;
  /** The version this one copies, when it was made by a rollback. */
  restoredFrom: number | null;
  createdBy: AuditActor;
  createdAt: Date;
};

/** A registry entry's head: its name and current version number. */
export interface RegistryHead {
  name: string;
  headVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Where a registry keeps its entries: a head table (`org_id, name, head_version, created_at, updated_at`) and a
 * version table keyed by `(org_id, <nameColumn>, version)`. The names are constants of the code, never input.
 */
export interface VersionedTables<C> {
  heads: string;
  versions: string;
  nameColumn: string;
  /** The version table's content columns, in the order `toRow` gives their values. */
  contentColumns: readonly string[];
  toRow(content: C): unknown[];
  fromRow(row: Record<string, unknown>): C;
}

interface HeadRow {
  name: string;
  head_version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

type VersionRow = Record<string, unknown> & {
  version: number;
  restored_from: number | null;
  created_by: AuditActor;
  created_at: Date | string;
};

const toHead = (row: HeadRow): RegistryHead => ({
  name: row.name,
  headVersion: row.head_version,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

/** The SQL of a versioned registry: heads that move forward, versions that are only ever appended. */
export class VersionedStore<C> {
  readonly #t: VersionedTables<C>;
  readonly #columns: string;

  constructor(tables: VersionedTables<C>) {
    this.#t = tables;
    this.#columns = [
      tables.nameColumn,
      'version',
      ...tables.contentColumns,
      'restored_from',
      'created_by',
      'created_at',
    ]
      .map((c) => `v.${c}`)
      .join(', ');
  }

  /** The entry's head row, locked for update when asked. */
  async head(sql: TenantSql, name: string, options: { forUpdate?: boolean } = {}): Promise<RegistryHead | undefined> {
    const { rows } = await sql.query<HeadRow>(
      `SELECT name, head_version, created_at, updated_at FROM ${this.#t.heads} WHERE name = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [name],
    );
    return rows[0] ? toHead(rows[0]) : undefined;
  }

  /** A page of the org's heads in name order, after `afterName`. */
  async heads(sql: TenantSql, page: { limit: number; afterName?: string }): Promise<RegistryHead[]> {
    const { rows } = await sql.query<HeadRow>(
      `SELECT name, head_version, created_at, updated_at FROM ${this.#t.heads}
        WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2`,
      [page.afterName ?? null, page.limit],
    );
    return rows.map(toHead);
  }

  /** Inserts an entry's head at version 1 (the caller appends the version). */
  async insertHead(sql: TenantSql, name: string, at: Date): Promise<void> {
    await sql.query(
      `INSERT INTO ${this.#t.heads} (org_id, name, head_version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3)`,
      [sql.orgId, name, at],
    );
  }

  /** Appends an immutable version and moves the head to it (and bumps the org's cache generation). */
  async append(sql: TenantSql, v: Versioned<C>): Promise<void> {
    const content = this.#t.toRow(v);
    const columns = [
      this.#t.nameColumn,
      'version',
      ...this.#t.contentColumns,
      'restored_from',
      'created_by',
      'created_at',
    ];
    const values = [v.name, v.version, ...content, v.restoredFrom, JSON.stringify(v.createdBy), v.createdAt];
    await sql.query(
      `INSERT INTO ${this.#t.versions} (org_id, ${columns.join(', ')})
       VALUES ($1, ${values.map((_, i) => `$${i + 2}`).join(', ')})`,
      [sql.orgId, ...values],
    );
    if (v.version > 1)
      await sql.query(`UPDATE ${this.#t.heads} SET head_version = $2, updated_at = $3 WHERE name = $1`, [
        v.name,
        v.version,
        v.createdAt,
      ]);
    // Routes are cached per node under the org's cache generation (gateway catalogue), so a new head bumps it.
    await bumpOrgGeneration(sql);
  }

  /** One version of an entry, or its head version when `version` is absent. */
  async version(sql: TenantSql, name: string, version?: number): Promise<Versioned<C> | undefined> {
    const { rows } = await sql.query<VersionRow>(
      `SELECT ${this.#columns} FROM ${this.#t.versions} v
        WHERE v.${this.#t.nameColumn} = $1
          AND v.version = coalesce($2::int, (SELECT head_version FROM ${this.#t.heads} WHERE name = $1))`,
      [name, version ?? null],
    );
    return rows[0] ? this.#toVersion(rows[0]) : undefined;
  }

  /** A page of an entry's versions, newest first, below `beforeVersion`. */
  async versions(
    sql: TenantSql,
    name: string,
    page: { limit: number; beforeVersion?: number },
  ): Promise<Versioned<C>[]> {
    const { rows } = await sql.query<VersionRow>(
      `SELECT ${this.#columns} FROM ${this.#t.versions} v
        WHERE v.${this.#t.nameColumn} = $1 AND ($2::int IS NULL OR v.version < $2) ORDER BY v.version DESC LIMIT $3`,
      [name, page.beforeVersion ?? null, page.limit],
    );
    return rows.map((row) => this.#toVersion(row));
  }

  /** The head versions of all the org's entries, in name order. */
  async headVersions(sql: TenantSql): Promise<Versioned<C>[]> {
    const { rows } = await sql.query<VersionRow>(
      `SELECT ${this.#columns} FROM ${this.#t.versions} v
         JOIN ${this.#t.heads} h ON h.org_id = v.org_id AND h.name = v.${this.#t.nameColumn} AND h.head_version = v.version
        ORDER BY v.${this.#t.nameColumn}`,
    );
    return rows.map((row) => this.#toVersion(row));
  }

  #toVersion(row: VersionRow): Versioned<C> {
    return {
      ...this.#t.fromRow(row),
      name: row[this.#t.nameColumn] as string,
      version: row.version,
      restoredFrom: row.restored_from,
      createdBy: row.created_by,
      createdAt: new Date(row.created_at),
    };
  }
}
