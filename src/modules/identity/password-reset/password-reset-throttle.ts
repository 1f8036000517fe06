import {
  createFailureLimiter,
  throttleSource,
  type CounterStore,
  type FailureRule,
} from '../../../platform/rate-limit/index.js';
import type { AccountKeyOf } from '../account-key.js';

/** How many password resets may be asked for per e-mail address and per source. */
export interface PasswordResetLimits {
  /** Requests per e-mail address (its hash, whether or not an account has it). */
  account: FailureRule;
  /** Requests per source address (an IPv6 /64 counts as one source). */
  source: FailureRule;
  /** Prefix of the counters in Redis; every node of one deployment must use the same. */
  keyPrefix: string;
}

const HOUR = 60 * 60;

/** The defaults: 3 requests per address and 20 per source in an hour; blocks of 15 minutes doubling up to a day. */
export const DEFAULT_PASSWORD_RESET_LIMITS: PasswordResetLimits = {
  account: { failures: 3, windowSeconds: HOUR, blockSeconds: 15 * 60, maxBlockSeconds: 24 * HOUR },
  source: { failures: 20, windowSeconds: HOUR, blockSeconds: 15 * 60, maxBlockSeconds: 24 * HOUR },
  keyPrefix: 'bulwark',
};

/** Counts a reset request; answers the seconds to wait when it is refused. */
export type PasswordResetThrottle = (email: string, clientIp: string) => Promise<number | undefined>;

/**
 * Builds the counters of reset requests. Every request counts (none is forgiven: a request that sends mail is what
 * is being limited), so neither a victim's mailbox nor the outbox can be flooded.
 */
export function createPasswordResetThrottle(
  limits: PasswordResetLimits,
  store: CounterStore,
  accountKeyOf: AccountKeyOf,
): PasswordResetThrottle {
  const account = createFailureLimiter('identity-reset-account', limits.account, store, limits.keyPrefix);
  const source = createFailureLimiter('identity-reset-source', limits.source, store, limits.keyPrefix);
  return async (email, clientIp) => {
    const [byAccount, bySource] = await Promise.all([
      account.recordFailure(accountKeyOf(email)),
      source.recordFailure(throttleSource(clientIp)),
    ]);
    const ms = Math.max(byAccount, bySource);
    return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : undefined;
  };
}
