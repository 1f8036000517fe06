import type { UserId } from '../../lib/ids.js';
import {
  createFailureLimiter,
  throttleSource,
  type CounterStore,
  type FailureLimiter,
  type FailureRule,
} from '../../platform/rate-limit/index.js';

/** How many failed sign-in steps are allowed before a block, per account, per source and per user's second factor. */
export interface SignInLimits {
  /** Failed passwords per account (the lower-cased e-mail, whether or not the account exists). */
  account: FailureRule;
  /** Failed passwords per source address (an IPv6 /64 counts as one source). */
  source: FailureRule;
  /** Failed second factors (TOTP and recovery codes together) per user. */
  factor: FailureRule;
  /** Prefix of the counters in Redis; every node of one deployment must use the same. */
  keyPrefix: string;
}

const MINUTES_15 = 15 * 60;
const HOUR = 60 * 60;

/** The defaults: 5 failures per account or user in 15 minutes, 50 per source; blocks of 60 s doubling up to an hour. */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  account: { failures: 5, windowSeconds: MINUTES_15, blockSeconds: 60, maxBlockSeconds: HOUR },
  source: { failures: 50, windowSeconds: MINUTES_15, blockSeconds: 60, maxBlockSeconds: HOUR },
  factor: { failures: 5, windowSeconds: MINUTES_15, blockSeconds: 60, maxBlockSeconds: HOUR },
  keyPrefix: 'bulwark',
};

/** Which counter blocked a step. */
export type ThrottleScope = 'account' | 'source' | 'factor';

/** A block in force: how long it lasts and which counter set it. */
export interface Block {
  retryAfterSeconds: number;
  scope: ThrottleScope;
}

/**
 * The counters of sign-in steps. Each attempt is counted as a failure before it is checked and forgiven when it
 * succeeds, so a burst of concurrent attempts cannot all pass a check of the counter before any failure is recorded.
 */
export interface SignInThrottle {
  /** Counts a password attempt for this account key and source; returns the block that refuses it, if any. */
  passwordAttempt(accountKey: string, clientIp: string): Promise<Block | undefined>;
  /** Forgives the attempt of a password that was right. */
  passwordSucceeded(accountKey: string, clientIp: string): Promise<void>;
  /** Counts a second-factor attempt of this user; returns the block that refuses it, if any. */
  factorAttempt(userId: UserId): Promise<Block | undefined>;
  /** Forgives the attempt of a second factor that was right. */
  factorSucceeded(userId: UserId): Promise<void>;
}

const toBlock = (ms: number, scope: ThrottleScope): Block | undefined =>
  ms > 0 ? { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)), scope } : undefined;

// The longer of two blocks (the one the caller must wait out).
const longest = (a: Block | undefined, b: Block | undefined): Block | undefined =>
  !a ? b : !b ? a : a.retryAfterSeconds >= b.retryAfterSeconds ? a : b;

/** Builds the sign-in counters on the given store (this process, or Redis shared by every node). */
export function createSignInThrottle(limits: SignInLimits, store: CounterStore): SignInThrottle {
  const limiter = (name: string, rule: FailureRule): FailureLimiter =>
    createFailureLimiter(name, rule, store, limits.keyPrefix);
  const account = limiter('identity-account', limits.account);
  const source = limiter('identity-source', limits.source);
  const factor = limiter('identity-factor', limits.factor);
  return {
    async passwordAttempt(accountKey, clientIp) {
      const [byAccount, bySource] = await Promise.all([
        account.recordFailure(accountKey),
        source.recordFailure(throttleSource(clientIp)),
      ]);
      return longest(toBlock(byAccount, 'account'), toBlock(bySource, 'source'));
    },
    async passwordSucceeded(accountKey, clientIp) {
      await Promise.all([account.forgive(accountKey), source.forgive(throttleSource(clientIp))]);
    },
    async factorAttempt(userId) {
      return toBlock(await factor.recordFailure(userId), 'factor');
    },
    async factorSucceeded(userId) {
      await factor.forgive(userId);
    },
  };
}
