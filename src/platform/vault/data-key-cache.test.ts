import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { DataKeyCache } from './data-key-cache.js';

const key = () => createSecretKey(randomBytes(32));

describe('data key cache', () => {
  it('expires entries after the TTL', () => {
    const clock = new ManualClock();
    const cache = new DataKeyCache(clock, { ttlMs: 1000 });
    const k = key();
    cache.set('a', k);
    clock.advance(999);
    expect(cache.get('a')).toBe(k);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used entry when full', () => {
    const cache = new DataKeyCache(new ManualClock(), { maxEntries: 2 });
    cache.set('a', key());
    cache.set('b', key());
    expect(cache.get('a')).toBeDefined();
    cache.set('c', key());
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(2);
  });
});
