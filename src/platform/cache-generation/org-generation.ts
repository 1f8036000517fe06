import { LRUCache } from 'lru-cache';
import type { OrgId } from '../../lib/ids.js';
import type { Db, Sql, TenantSql } from '../db/index.js';

/**
 * Bumps the org's cache generation inside the caller's transaction, so the change and the bump commit together.
 * INVARIANT: every change to something a node caches for an org (keys, members, service accounts, org status, org and
 * guard policies, gateway models, provider connections and routes, gateway limits, access-token revocations and OAuth
 * clients) calls this in its own transaction; a change without it would be served stale from caches.
 */
export async function bumpOrgGeneration(sql: TenantSql): Promise<void> {
  const { rows } = await sql.query<{ generation: string | number }>(
    `INSERT INTO org_generations (org_id, generation) VALUES ($1, 1)
     ON CONFLICT (org_id) DO UPDATE SET generation = org_generations.generation + 1 RETURNING generation`,
    [sql.orgId],
  );
  sql.afterCommit({ kind: 'org_generation', orgId: sql.orgId, generation: Number(rows[0]?.generation ?? 0) });
}

/** Reads the org's cache generation in the caller's tenant transaction (0 before its first change). */
export async function selectOrgGeneration(sql: Sql, orgId: OrgId): Promise<number> {
  const { rows } = await sql.query<{ generation: string | number }>(
    'SELECT generation FROM org_generations WHERE org_id = $1',
    [orgId],
  );
  return rows[0] ? Number(rows[0].generation) : 0;
}

const noop = (): void => undefined;

/**
 * A node's view of the orgs' cache generations. `read` asks the database (one short read-only transaction) and is
 * what authentication does on every request; `current` answers the highest generation this node has read, so the
 * caches consulted later in the same request (policies, guard policy, org status) are at least as fresh as what the
 * request's own authentication read. Generations only grow, so the highest seen is never older than a read.
 * Every bump this node commits is seen at its commit (the Db's commit notices). When the node is the database's only
 * writer (the embedded database) nothing else can bump, so `read` answers an org it has seen from memory: still
 * bound 0, without the read. When the database pushes other writers' bumps (PostgreSQL, `Db.pushedCommits`), `read`
 * answers from memory while the feed is fresh, so a change committed on another node holds here at most the feed's
 * `boundMs` later; else it reads.
 */
export class OrgGenerations {
  private readonly seen = new LRUCache<OrgId, number>({ max: 100_000 });
  // Per org whose `seen` holds every bump since the feed's subscription began: that subscription.
  private readonly watched = new LRUCache<OrgId, number>({ max: 100_000 });
  // Per org with a read in flight: that read, and the one queued behind it (shared by everyone who asked meanwhile).
  private readonly reads = new Map<OrgId, { running: Promise<number>; queued?: Promise<number> }>();

  constructor(private readonly db: Db) {
    db.onCommitted((notice) => {
      if (notice.kind !== 'org_generation') return;
      this.observe(notice.orgId, notice.generation);
      // A pushed notice is told only under the current subscription, which every later bump of the org also reaches.
      const subscription = db.pushedCommits?.subscription;
      if (notice.pushed && subscription !== undefined) this.watched.set(notice.orgId, subscription);
    });
  }

  /**
   * The org's generation as stored now; remembered as seen. Concurrent callers share reads, but only reads that
   * start after they asked: a caller arriving while a read is in flight waits for the next one (started when the
   * running one ends, shared by everyone who arrived in between). So every caller still sees every change committed
   * before it asked, and an org under load pays one read per read time rather than one per request.
   */
  read(orgId: OrgId): Promise<number> {
    const seen = this.knownWithoutRead(orgId);
    if (seen !== undefined) return Promise.resolve(seen);
    const state = this.reads.get(orgId);
    if (!state) return this.start(orgId);
    state.queued ??= state.running.then(noop, noop).then(() => this.start(orgId));
    return state.queued;
  }

  /**
   * SECURITY: skip the read only when no committed bump can be missing from `seen`: on a sole writer every bump passes
   * through this Db; with a fresh feed, every bump older than its bound has been pushed under the subscription the
   * org is watched under.
   */
  private knownWithoutRead(orgId: OrgId): number | undefined {
    if (this.db.soleWriter) return this.seen.get(orgId);
    const feed = this.db.pushedCommits;
    if (feed === undefined || !feed.isFresh()) return undefined;
    const subscription = this.watched.get(orgId);
    return subscription !== undefined && subscription === feed.subscription ? this.seen.get(orgId) : undefined;
  }

  private start(orgId: OrgId): Promise<number> {
    // A read that starts under a subscription misses nothing that subscription will not push afterwards.
    const subscription = this.db.pushedCommits?.subscription;
    const running = this.db
      .withTenant(orgId, (sql) => selectOrgGeneration(sql, orgId))
      .then((generation) => {
        if (subscription !== undefined && subscription === this.db.pushedCommits?.subscription)
          this.watched.set(orgId, subscription);
        return this.observe(orgId, generation);
      });
    this.reads.set(orgId, { running });
    const done = () => {
      const state = this.reads.get(orgId);
      if (state?.running !== running) return;
      if (state.queued === undefined) this.reads.delete(orgId);
    };
    running.then(done, done);
    return running;
  }

  /** Records a generation read inside another transaction; returns the highest seen for the org. */
  observe(orgId: OrgId, generation: number): number {
    const seen = this.seen.get(orgId);
    if (seen !== undefined && seen >= generation) return seen;
    this.seen.set(orgId, generation);
    return generation;
  }

  /** The highest generation this node has seen for the org, read from the database when it has seen none. */
  async current(orgId: OrgId): Promise<number> {
    return this.seen.get(orgId) ?? this.read(orgId);
  }
}

/**
 * A bounded, org-keyed cache whose entries are valid only under the generation they were loaded at.
 * INVARIANT: the loader's generation is read before the data it loads, so an entry is never stamped newer than its
 * data (a change committed in between raises the generation and the next lookup reloads).
 */
export class GenerationCache<K extends string, V extends object> {
  private readonly entries: LRUCache<K, { generation: number; value: V }>;

  /** At most `max` entries; with `ttlMs`, an entry is also dropped that long after it was loaded. */
  constructor(max: number, ttlMs?: number) {
    this.entries = new LRUCache(ttlMs === undefined ? { max } : { max, ttl: ttlMs });
  }

  /** The value cached for `key` if it was loaded under `generation`. */
  get(key: K, generation: number): V | undefined {
    const entry = this.entries.get(key);
    return entry && entry.generation === generation ? entry.value : undefined;
  }

  /** The value cached for `key` under any generation (to find its org before reading that org's generation). */
  peek(key: K): V | undefined {
    return this.entries.peek(key)?.value;
  }

  /** Caches `value`, loaded under `generation`, unless a newer one is already cached. */
  set(key: K, generation: number, value: V): void {
    const entry = this.entries.peek(key);
    if (entry && entry.generation > generation) return;
    this.entries.set(key, { generation, value });
  }

  /** Drops the entry for `key`. */
  delete(key: K): void {
    this.entries.delete(key);
  }
}
