import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';

/** How many failures a key may have in a window, and how long it is blocked once it has more. */
export interface FailureRule {
  /** Failures allowed per window; the next one blocks the key. */
  failures: number;
  windowSeconds: number;
  /** Length of the first block; each further block of the same key within `strikeMemorySeconds` doubles it. */
  blockSeconds: number;
  maxBlockSeconds: number;
  /** How long a key's earlier blocks are remembered for the backoff (default one day). */
  strikeMemorySeconds?: number;
}

/** Where the counters live: this process, or Redis shared by every node (with a per-node fallback). */
export type CounterStore = { kind: 'memory' } | { kind: 'redis'; client: Redis };

/** Counts failures per key and blocks a key, with exponential backoff, once it exceeds its rule. */
export interface FailureLimiter {
  /** Milliseconds until the key may try again; 0 when it is not blocked. */
  blockedFor(key: string): Promise<number>;
  /** Counts one failure; returns how many milliseconds the key is now blocked (0 while within its allowance). */
  recordFailure(key: string): Promise<number>;
  /**
   * Takes back one failure counted up front for an attempt that then succeeded (a caller that counts each attempt
   * before checking it, so concurrent attempts cannot all pass a check of the counter). A block in force stays.
   */
  forgive(key: string): Promise<void>;
}

const DAY_SECONDS = 24 * 60 * 60;

/** What a Redis-backed counter does when Redis is unreachable: fall back to this node's memory, or fail. */
export type StoreOutage = 'fallback' | 'fail';

/**
 * A rate-limiter-flexible counter on the store: in process, or in Redis. With `onOutage: 'fail'` a Redis outage
 * rejects with an error that is not a `RateLimiterRes` (callers that must fail closed refuse the request).
 */
export function createCounterLimiter(
  store: CounterStore,
  keyPrefix: string,
  points: number,
  duration: number,
  onOutage: StoreOutage = 'fallback',
): RateLimiterAbstract {
  if (onOutage === 'fail' && store.kind === 'redis')
    return new RateLimiterRedis({
      storeClient: store.client,
      keyPrefix,
      points,
      duration,
      rejectIfRedisNotReady: true,
    });
  return limiter(store, keyPrefix, points, duration);
}

function limiter(store: CounterStore, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration });
  if (store.kind === 'memory') return memory;
  // SECURITY: when Redis is down or slow the counters fall back to this node's memory (insuranceLimiter): limits
  // then hold per node instead of per deployment. Failing closed would let a Redis outage (or an attacker who
  // causes one) refuse every authentication; failing open would drop the limit altogether.
  return new RateLimiterRedis({
    storeClient: store.client,
    keyPrefix,
    points,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
}

/** A `FailureLimiter` on rate-limiter-flexible: one counter for failures per window, one for the blocks (strikes). */
export function createFailureLimiter(
  name: string,
  rule: FailureRule,
  store: CounterStore,
  keyPrefix: string,
): FailureLimiter {
  const failures = limiter(store, `${keyPrefix}:fail:${name}`, rule.failures, rule.windowSeconds);
  // Strikes never run out of points; the count is what matters.
  const strikes = limiter(
    store,
    `${keyPrefix}:strike:${name}`,
    Number.MAX_SAFE_INTEGER,
    rule.strikeMemorySeconds ?? DAY_SECONDS,
  );
  const blockedMs = (res: RateLimiterRes | null) =>
    res && res.consumedPoints > rule.failures ? Math.max(1, res.msBeforeNext) : 0;
  return {
    async blockedFor(key) {
      return blockedMs(await failures.get(key));
    },
    async recordFailure(key) {
      // A key that is already blocked is not counted again: its block neither grows nor restarts while it lasts.
      const already = blockedMs(await failures.get(key));
      if (already > 0) return already;
      try {
        await failures.consume(key);
        return 0;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
      }
      const strike = (await strikes.consume(key)).consumedPoints;
      const seconds = Math.min(rule.maxBlockSeconds, rule.blockSeconds * 2 ** Math.min(strike - 1, 30));
      await failures.block(key, seconds);
      return seconds * 1000;
    },
    async forgive(key) {
      if (blockedMs(await failures.get(key)) > 0) return;
      await failures.reward(key, 1);
    },
  };
}
