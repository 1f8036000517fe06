import { ProviderError } from '../provider-error.js';

/** How often and how long an outbound call is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retry). */
  maxAttempts: number;
  /** Base of the exponential backoff (ms): attempt n waits a random time in [0, min(cap, base·2^(n-1))]. */
  baseDelayMs: number;
  /** Cap of one backoff wait (ms). */
  maxDelayMs: number;
  /** Longest `Retry-After` honoured (ms); a longer one is not waited for and the failure is returned. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 5_000,
};

/**
 * The wait before the next attempt after `error` on attempt `attempt` (1-based), or null when it must not be retried:
 * a final failure (4xx, malformed answer), the last attempt, or a `Retry-After` longer than the cap.
 * Full jitter (a uniform wait up to the exponential bound) keeps many clients from retrying in step.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  error: unknown,
  attempt: number,
  random: () => number = Math.random,
): number | null {
  if (!(error instanceof ProviderError) || !error.retryable) return null;
  if (attempt >= policy.maxAttempts) return null;
  if (error.retryAfterSeconds !== null) {
    const wait = error.retryAfterSeconds * 1000;
    // The upstream said when: waiting less would be refused again, waiting longer than the cap stalls the caller.
    return wait > policy.maxRetryAfterMs ? null : wait;
  }
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * bound);
}

/** Seconds of a `Retry-After` header (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return Math.max(0, Number(text));
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** Resolves after `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error an aborted call fails with: a ProviderError `unreachable`, since the upstream gave no answer. */
export function abortError(signal: AbortSignal): ProviderError {
  const reason: unknown = signal.reason;
  const detail = reason instanceof Error ? reason.message : 'aborted';
  return new ProviderError('unreachable', `request aborted: ${detail}`);
}
