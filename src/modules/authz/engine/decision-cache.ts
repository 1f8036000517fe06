import { LRUCache } from 'lru-cache';

/** A bounded least-recently-used map from cache keys to decisions (`maxEntries` 0 or less: caches nothing). */
export class DecisionCache<V extends object> {
  private readonly entries: LRUCache<string, V> | undefined;

  constructor(maxEntries: number) {
    this.entries = maxEntries > 0 ? new LRUCache<string, V>({ max: maxEntries }) : undefined;
  }

  /** The cached value of `key`, marking it most recently used. */
  get(key: string): V | undefined {
    return this.entries?.get(key);
  }

  /** Stores `value` under `key`, evicting the least recently used entry when full. */
  set(key: string, value: V): void {
    this.entries?.set(key, value);
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries?.clear();
  }
}
