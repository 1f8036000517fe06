import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import { createCounterLimiter, type CounterStore } from '../../../platform/rate-limit/index.js';

const WINDOW_SECONDS = 60;
// The limiter itself never refuses: each org's own limit is compared with the count it returns.
const UNBOUNDED = 2 ** 31;

/** What a rate check took, to be given back on release or adjusted on settle. */
export interface RateHold {
  rpm: boolean;
  tpmTokens: number;
}

function unavailable(cause: unknown): AppError {
  return new AppError('gateway.meter_unavailable', { cause, publicMessage: 'rate-limit counters are unreachable' });
}

/**
 * Requests-per-minute and tokens-per-minute counters per org, in process or in Redis (shared by every node).
 * Windows are fixed 60-second windows. SECURITY: a Redis outage fails closed (`gateway.meter_unavailable`),
 * unlike authentication throttling, which falls back to per-node counters.
 */
export class RateWindows {
  private readonly requests: RateLimiterAbstract;
  private readonly tokens: RateLimiterAbstract;

  constructor(store: CounterStore, keyPrefix: string) {
    this.requests = createCounterLimiter(store, `${keyPrefix}:gw:rpm`, UNBOUNDED, WINDOW_SECONDS, 'fail');
    this.tokens = createCounterLimiter(store, `${keyPrefix}:gw:tpm`, UNBOUNDED, WINDOW_SECONDS, 'fail');
  }

  /** Counts one request of `tokens` estimated tokens against the org's limits; throws `gateway.rate_limited` over them. */
  async admit(orgId: OrgId, limits: { rpm: number | null; tpm: number | null }, tokens: number): Promise<RateHold> {
    const hold: RateHold = { rpm: false, tpmTokens: 0 };
    try {
      if (limits.rpm !== null) {
        const res = await consume(this.requests, orgId, 1);
        hold.rpm = true;
        if (res.consumedPoints > limits.rpm) {
          await this.giveBack(orgId, hold);
          throw limited('rpm', limits.rpm, res);
        }
      }
      if (limits.tpm !== null && tokens > 0) {
        const res = await consume(this.tokens, orgId, tokens);
        hold.tpmTokens = tokens;
        if (res.consumedPoints > limits.tpm) {
          await this.giveBack(orgId, { rpm: false, tpmTokens: tokens });
          throw limited('tpm', limits.tpm, res);
        }
      }
      return hold;
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw unavailable(error);
    }
  }

  /** Gives back what `admit` counted (the call never reached the provider, or was refused later). */
  async giveBack(orgId: OrgId, hold: RateHold): Promise<void> {
    await Promise.all([
      hold.rpm ? this.requests.reward(orgId, 1) : undefined,
      hold.tpmTokens > 0 ? this.tokens.reward(orgId, hold.tpmTokens) : undefined,
    ]);
  }

  /** Corrects the tokens counted for a call from its estimate to its real count. */
  async correctTokens(orgId: OrgId, hold: RateHold, actualTokens: number): Promise<void> {
    if (hold.tpmTokens === 0) return;
    const delta = actualTokens - hold.tpmTokens;
    if (delta > 0) await this.tokens.penalty(orgId, delta);
    else if (delta < 0) await this.tokens.reward(orgId, -delta);
  }
}

async function consume(limiter: RateLimiterAbstract, key: string, points: number): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key, points);
  } catch (rejection) {
    // Not reachable with UNBOUNDED points unless a counter overflowed; then the window is full.
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  }
}

function limited(limit: 'rpm' | 'tpm', value: number, res: RateLimiterRes): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError('gateway.rate_limited', {
    publicMessage: `${limit === 'rpm' ? 'requests' : 'tokens'} per minute limit of ${value} reached; retry in ${retryAfterSeconds} s`,
    details: { limit, value, retry_after_seconds: retryAfterSeconds },
  });
}
