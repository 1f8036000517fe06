import type { KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../lib/clock.js';

/** Limits of the unwrapped-DEK cache. */
export interface DataKeyCacheOptions {
  /** Most entries kept; the least recently used one is dropped first. */
  readonly maxEntries?: number;
  /** How long an entry may be used after it was unwrapped, in milliseconds. */
  readonly ttlMs?: number;
}

// SECURITY: why caching unwrapped DEKs is safe.
// - The cache key is the whole org_data_keys row as read (org, version, KEK version, wrapped bytes), and the
//   value is what the vault returned for exactly those bytes after GCM authenticated them against that org and
//   version. A hit is therefore the same answer the vault would give again; it never stands in for the row read,
//   which callers still do under row-level security in their own tenant transaction. A row that is rolled back,
//   re-wrapped or replaced simply stops matching.
// - Entries are KeyObjects: the key bytes live outside the JS heap and are never handed out as a Buffer.
// - The TTL bounds how long a KEK that was destroyed in the vault keeps decrypting on this node; the size bound
//   caps memory. The cache is per process and never shared or persisted.
/** A small LRU of unwrapped data keys with a time to live. */
export class DataKeyCache {
  readonly #entries: LRUCache<string, KeyObject>;

  constructor(clock: Clock, options: DataKeyCacheOptions = {}) {
    this.#entries = new LRUCache<string, KeyObject>({
      max: Math.max(1, options.maxEntries ?? 1000),
      // lru-cache keeps an entry while its age is at most `ttl`; an entry of age `ttlMs` is already expired here.
      ttl: Math.max(1, (options.ttlMs ?? 5 * 60_000) - 1),
      // Time comes from the injected clock, read on every lookup (no cached "now", no purge timers).
      perf: { now: () => clock.now().getTime() },
      ttlResolution: 0,
    });
  }

  /** The cached key for `id`, or undefined when absent or expired. */
  get(id: string): KeyObject | undefined {
    return this.#entries.get(id);
  }

  /** Caches `key` under `id`, dropping the least recently used entry when full. */
  set(id: string, key: KeyObject): void {
    this.#entries.set(id, key);
  }

  /** Number of live or not-yet-evicted entries; for tests and metrics. */
  get size(): number {
    return this.#entries.size;
  }
}
