import ipaddr from 'ipaddr.js';
import { createFailureLimiter, type CounterStore, type FailureLimiter } from './failure-limiter.js';

/** Limits of failed authentication (config `authThrottle`). */
export interface AuthThrottleLimits {
  sourceFailures: number;
  keyFailures: number;
  windowSeconds: number;
  blockSeconds: number;
  maxBlockSeconds: number;
  keyPrefix: string;
}

/** Failed-authentication limits per source address and per presented key id. */
export interface AuthThrottle {
  /** Milliseconds the source is still blocked (0 when it may try). */
  sourceBlockedFor(clientIp: string): Promise<number>;
  /** Counts a failed authentication against its source and key id; returns how long the caller must wait (0: not throttled). */
  recordFailure(clientIp: string, keyId: string | undefined): Promise<number>;
}

/**
 * The throttling key of a client address: IPv4 as is, IPv6 by its /64 (one host usually holds a whole /64, so
 * per-address counting would let it rotate through 2^64 addresses), IPv4-mapped IPv6 as the IPv4 address.
 */
export function throttleSource(clientIp: string): string {
  if (!ipaddr.isValid(clientIp)) return clientIp.slice(0, 64);
  const address = ipaddr.process(clientIp);
  if (address.kind() === 'ipv4') return address.toString();
  return `${(address as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
}

/** Builds the throttle on the given counter store. */
export function createAuthThrottle(limits: AuthThrottleLimits, store: CounterStore): AuthThrottle {
  const common = {
    windowSeconds: limits.windowSeconds,
    blockSeconds: limits.blockSeconds,
    maxBlockSeconds: limits.maxBlockSeconds,
  };
  const bySource: FailureLimiter = createFailureLimiter(
    'authn-source',
    { failures: limits.sourceFailures, ...common },
    store,
    limits.keyPrefix,
  );
  const byKey: FailureLimiter = createFailureLimiter(
    'authn-key',
    { failures: limits.keyFailures, ...common },
    store,
    limits.keyPrefix,
  );
  return {
    sourceBlockedFor: (clientIp) => bySource.blockedFor(throttleSource(clientIp)),
    async recordFailure(clientIp, keyId) {
      const [source, key] = await Promise.all([
        bySource.recordFailure(throttleSource(clientIp)),
        keyId ? byKey.recordFailure(keyId) : Promise.resolve(0),
      ]);
      return Math.max(source, key);
    },
  };
}
