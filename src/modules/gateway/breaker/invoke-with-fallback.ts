import { AppError } from '../../../lib/errors/index.js';
import type { ModelTarget } from '../ports.js';
import { ProviderError } from '../providers/provider-error.js';
import { CircuitOpenError, type ProviderCircuits } from './provider-circuits.js';

/** How one target of the chain fared. */
export interface TargetAttempt {
  circuitKey: string;
  upstreamModel: string;
  outcome: 'answered' | 'circuit_open' | 'failed';
  /** The provider failure kind when it failed. */
  failure?: ProviderError['failure'];
}

/** The answer, the target that gave it and the trail of targets tried before it. */
export interface FallbackResult<T> {
  value: T;
  target: ModelTarget;
  attempts: TargetAttempt[];
}

/** The AppError a final provider failure is answered with (the upstream's message stays in `cause`). */
export function gatewayErrorFor(error: ProviderError, attempts: TargetAttempt[]): AppError {
  const details = { attempts: attempts.map((a) => ({ outcome: a.outcome, failure: a.failure ?? null })) };
  switch (error.failure) {
    case 'rejected':
      if (error.upstreamStatus === 401 || error.upstreamStatus === 403)
        return new AppError('gateway.provider_credential_rejected', { cause: error, details });
      return new AppError('gateway.upstream_rejected', {
        cause: error,
        details: { ...details, upstream_status: error.upstreamStatus },
      });
    case 'malformed_response':
      return new AppError('gateway.upstream_error', { cause: error, details });
    case 'upstream_error':
      return new AppError('gateway.upstream_error', { cause: error, details });
    case 'rate_limited':
    case 'unreachable':
      return new AppError('gateway.provider_unavailable', { cause: error, details });
  }
}

/**
 * Calls the targets of a model's fallback chain in order, each behind its circuit: a target whose circuit is open
 * is skipped; a retryable failure (unreachable, 429, 5xx, after the outbound client's own retries) moves on to the
 * next target; a final failure (4xx, malformed answer) ends the chain at once, since another upstream would be asked
 * the same wrong request. Throws `gateway.circuit_open` when every circuit was open, otherwise the AppError of the
 * last failure (`gatewayErrorFor`). An abort by the caller ends the chain with `gateway.provider_unavailable`.
 *
 * For a stream, `call` should resolve once the first chunk has arrived (see `primeStream`), so that a stream that
 * fails before yielding anything falls back, and one that has started never does.
 */
export async function invokeWithFallback<T>(
  circuits: ProviderCircuits,
  targets: readonly ModelTarget[],
  call: (target: ModelTarget) => Promise<T>,
): Promise<FallbackResult<T>> {
  const attempts: TargetAttempt[] = [];
  let last: ProviderError | undefined;
  for (const target of targets) {
    const base = { circuitKey: target.circuitKey, upstreamModel: target.upstreamModel };
    try {
      const value = await circuits.run(target.circuitKey, () => call(target));
      attempts.push({ ...base, outcome: 'answered' });
      return { value, target, attempts };
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        attempts.push({ ...base, outcome: 'circuit_open' });
        continue;
      }
      if (!(error instanceof ProviderError)) throw error;
      attempts.push({ ...base, outcome: 'failed', failure: error.failure });
      last = error;
      if (!error.retryable || error.name === 'ProviderCallAborted') break;
    }
  }
  if (!last) {
    throw new AppError('gateway.circuit_open', {
      details: { attempts: attempts.map((a) => ({ outcome: a.outcome, failure: null })) },
    });
  }
  throw gatewayErrorFor(last, attempts);
}

/**
 * Starts a stream and waits for its first chunk, so that a failure before any output is a failed call (retried
 * and fallen back from) and one after it is not. The result yields that chunk first, then the rest.
 */
export async function primeStream<C>(stream: AsyncIterable<C>): Promise<AsyncIterable<C>> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    [Symbol.asyncIterator]() {
      let pending: IteratorResult<C> | undefined = first;
      return {
        next: async () => {
          if (pending) {
            const out = pending;
            pending = undefined;
            return out;
          }
          return iterator.next();
        },
        return: async (value?: unknown) => {
          pending = undefined;
          if (iterator.return) await iterator.return(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}
