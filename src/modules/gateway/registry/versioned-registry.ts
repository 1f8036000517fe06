import type { Clock } from '../../../lib/clock.js';
import { AppError, type ErrorCode } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import type { RegistryHead, Versioned, VersionedStore } from './versioned-store.js';

/** Dependencies of a versioned registry. */
export interface VersionedRegistryDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
}

/** Who changes an entry, and the request it came with. */
export interface RegistryChangeOptions {
  actor: AuditActor;
  requestId?: string;
}

/** What makes one registry (prompts, model routes) itself: its tables, names, errors, checks and audit. */
export interface RegistryKind<C> {
  store: VersionedStore<C>;
  /** The noun in messages and in audit actions (`gateway.<noun>.created`). */
  noun: 'prompt' | 'route';
  /** The Cedar/audit resource type of an entry. */
  resourceType: string;
  namePattern: RegExp;
  /** The error for a name `namePattern` refuses on create (a 4xx naming the field). */
  invalidName(): AppError;
  codes: { notFound: ErrorCode; versionNotFound: ErrorCode; nameTaken: ErrorCode };
  /** Validates content about to become a version (a rollback's too); may take locks in `sql`. */
  check(sql: TenantSql, content: C): C | Promise<C>;
  /** The content fields of an entry, in its audit event's details. */
  auditDetails(content: C): Record<string, unknown>;
  /** The content of a version, without its metadata (what a rollback copies). */
  contentOf(version: Versioned<C>): C;
}

/**
 * Named entries with immutable versions, optimistic concurrency and rollback. Every change is one use case in the
 * caller's tenant transaction with its audit event (`gateway.<noun>.created`, `.version_created`, `.rolled_back`). A
 * rollback to version N appends a new version whose content equals N's (`restored_from: N`), so history stays
 * append-only and a rollback can itself be rolled back. Content is checked before the head is locked, always in that
 * order, so two changes never wait on each other's locks in opposite orders.
 */
export class VersionedRegistry<C> {
  constructor(
    private readonly deps: VersionedRegistryDeps,
    private readonly kind: RegistryKind<C>,
  ) {}

  /** Creates an entry at version 1; a taken name is the kind's `nameTaken`. */
  async create(sql: TenantSql, name: string, content: C, options: RegistryChangeOptions): Promise<Versioned<C>> {
    if (!this.kind.namePattern.test(name)) throw this.kind.invalidName();
    const checked = await this.kind.check(sql, content);
    const { store } = this.kind;
    if (await store.head(sql, name)) throw new AppError(this.kind.codes.nameTaken);
    await store.insertHead(sql, name, this.deps.clock.now());
    return this.#append(sql, 'created', { name, version: 1, content: checked, restoredFrom: null }, options);
  }

  /**
   * Appends a version. `expectedVersion` is the head the caller saw (its ETag); another head is
   * `http.precondition_failed` (412).
   */
  async addVersion(
    sql: TenantSql,
    name: string,
    expectedVersion: number,
    content: C,
    options: RegistryChangeOptions,
  ): Promise<Versioned<C>> {
    const checked = await this.kind.check(sql, content);
    const head = await this.#lockHead(sql, name);
    if (head.headVersion !== expectedVersion)
      throw new AppError('http.precondition_failed', {
        publicMessage: `the ${this.kind.noun} is at version ${head.headVersion}; send If-Match: "v${head.headVersion}"`,
      });
    return this.#append(
      sql,
      'version_created',
      { name, version: head.headVersion + 1, content: checked, restoredFrom: null },
      options,
    );
  }

  /** Rolls an entry back to an earlier version: a new version with that version's content, checked again. */
  async rollback(
    sql: TenantSql,
    name: string,
    toVersion: number,
    options: RegistryChangeOptions,
  ): Promise<Versioned<C>> {
    const target = this.kind.namePattern.test(name) ? await this.kind.store.version(sql, name, toVersion) : undefined;
    if (!target) {
      if (await this.#exists(sql, name)) throw new AppError(this.kind.codes.versionNotFound);
      throw new AppError(this.kind.codes.notFound);
    }
    const checked = await this.kind.check(sql, this.kind.contentOf(target));
    const head = await this.#lockHead(sql, name);
    return this.#append(
      sql,
      'rolled_back',
      { name, version: head.headVersion + 1, content: checked, restoredFrom: target.version },
      options,
      { from_version: head.headVersion },
    );
  }

  /** An entry's head version, or the version asked for. */
  get(orgId: OrgId, name: string, version?: number): Promise<Versioned<C>> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      const found = this.kind.namePattern.test(name) ? await this.kind.store.version(sql, name, version) : undefined;
      if (found) return found;
      if (version !== undefined && (await this.#exists(sql, name))) throw new AppError(this.kind.codes.versionNotFound);
      throw new AppError(this.kind.codes.notFound);
    });
  }

  /** A page of the org's entries in name order. */
  list(orgId: OrgId, page: { limit: number; afterName?: string }): Promise<RegistryHead[]> {
    return this.deps.db.withTenant(orgId, (sql) => this.kind.store.heads(sql, page));
  }

  /** A page of an entry's versions, newest first. */
  versions(orgId: OrgId, name: string, page: { limit: number; beforeVersion?: number }): Promise<Versioned<C>[]> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      await this.requireExisting(sql, name);
      return this.kind.store.versions(sql, name, page);
    });
  }

  /** Throws the kind's `notFound` unless the org has an entry of this name. */
  async requireExisting(sql: TenantSql, name: string): Promise<void> {
    if (!(await this.#exists(sql, name))) throw new AppError(this.kind.codes.notFound);
  }

  async #exists(sql: TenantSql, name: string): Promise<boolean> {
    return this.kind.namePattern.test(name) && (await this.kind.store.head(sql, name)) !== undefined;
  }

  async #lockHead(sql: TenantSql, name: string): Promise<RegistryHead> {
    const head = this.kind.namePattern.test(name)
      ? await this.kind.store.head(sql, name, { forUpdate: true })
      : undefined;
    if (!head) throw new AppError(this.kind.codes.notFound);
    return head;
  }

  async #append(
    sql: TenantSql,
    change: 'created' | 'version_created' | 'rolled_back',
    next: { name: string; version: number; content: C; restoredFrom: number | null },
    options: RegistryChangeOptions,
    extra: Record<string, unknown> = {},
  ): Promise<Versioned<C>> {
    const version = {
      ...next.content,
      name: next.name,
      version: next.version,
      restoredFrom: next.restoredFrom,
      createdBy: options.actor,
      createdAt: this.deps.clock.now(),
    } as Versioned<C>;
    await this.kind.store.append(sql, version);
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: options.actor,
        action: `gateway.${this.kind.noun}.${change}`,
        resource: { type: this.kind.resourceType, id: next.name },
        decision: 'info',
        reasonCodes: [],
        requestId: options.requestId ?? null,
        details: {
          name: next.name,
          version: next.version,
          ...(next.restoredFrom !== null ? { restored_from: next.restoredFrom } : {}),
          ...this.kind.auditDetails(next.content),
          ...extra,
        },
      },
    ]);
    return version;
  }
}
