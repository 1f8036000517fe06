import { describe, expect, it } from 'vitest';
import { ProviderError } from '../provider-error.js';
import { parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 3_000 };

describe('retryDelayMs', () => {
  it('retries unreachable, 429 and 5xx; never 4xx, malformed answers or foreign errors', () => {
    expect(retryDelayMs(policy, new ProviderError('unreachable', 'x'), 1, () => 0.5)).toBe(50);
    expect(retryDelayMs(policy, new ProviderError('upstream_error', 'x', 503), 1, () => 0.5)).toBe(50);
    expect(retryDelayMs(policy, new ProviderError('rate_limited', 'x', 429), 1, () => 0.5)).toBe(50);
    expect(retryDelayMs(policy, new ProviderError('rejected', 'x', 400), 1)).toBeNull();
    expect(retryDelayMs(policy, new ProviderError('malformed_response', 'x', 200), 1)).toBeNull();
    expect(retryDelayMs(policy, new Error('x'), 1)).toBeNull();
  });

  it('full jitter: a uniform wait below the capped exponential bound', () => {
    const e = new ProviderError('upstream_error', 'x', 500);
    expect(retryDelayMs(policy, e, 1, () => 0.999)).toBe(99);
    expect(retryDelayMs(policy, e, 2, () => 0.999)).toBe(199);
    expect(retryDelayMs(policy, e, 3, () => 0.999)).toBe(399);
    expect(retryDelayMs({ ...policy, maxAttempts: 10 }, e, 8, () => 0.999)).toBe(999);
    expect(retryDelayMs(policy, e, 3, () => 0)).toBe(0);
  });

  it('stops after the last attempt', () => {
    expect(retryDelayMs(policy, new ProviderError('unreachable', 'x'), 4)).toBeNull();
  });

  it('honours Retry-After up to the cap, and gives up beyond it', () => {
    expect(retryDelayMs(policy, new ProviderError('rate_limited', 'x', 429, 2), 1)).toBe(2_000);
    expect(retryDelayMs(policy, new ProviderError('rate_limited', 'x', 429, 30), 1)).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, ignores garbage', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter('0.5')).toBe(0.5);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 5_000)).toBe(5);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });
});
