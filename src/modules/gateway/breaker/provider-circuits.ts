import CircuitBreaker from 'opossum';
import { LRUCache } from 'lru-cache';
import { ProviderError } from '../providers/provider-error.js';

/** Breaker settings, one breaker per circuit key (provider connection + model). */
export interface CircuitSettings {
  /** Failure rate (percent of calls in the rolling window) above which the circuit opens. */
  errorThresholdPercentage: number;
  /** Calls in the window before the rate is judged (fewer never open it). */
  volumeThreshold: number;
  /** Length of the rolling window (ms). */
  rollingWindowMs: number;
  /** Time an open circuit waits before letting one probe through (half-open). */
  resetTimeoutMs: number;
  /** Circuits kept in memory; the least recently used beyond it is dropped (and starts closed again). */
  maxCircuits: number;
}

export const DEFAULT_CIRCUIT_SETTINGS: CircuitSettings = {
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 30_000,
  maxCircuits: 10_000,
};

/** A state change of one circuit, for the log. */
export interface CircuitStateChange {
  circuitKey: string;
  state: 'open' | 'half_open' | 'closed';
}

/** The state of one circuit as the fallback chain sees it. */
export type CircuitState = 'closed' | 'open' | 'half_open';

type Thunk = () => Promise<unknown>;

// SECURITY: only retryable failures (unreachable, 429, 5xx) count against a circuit. A 4xx is the request's fault,
// so one org sending bad requests cannot open the circuit of a provider every request of that model uses.
// An abort by the caller is nobody's failure (ProviderCallAborted is filtered out the same way).
function notTheUpstreamsFault(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  return !error.retryable || error.name === 'ProviderCallAborted';
}

/** Circuit breakers (opossum) keyed by circuit key, created on first use; state changes go to `onStateChange`. */
export class ProviderCircuits {
  readonly #breakers: LRUCache<string, CircuitBreaker<[Thunk], unknown>>;

  constructor(
    private readonly settings: CircuitSettings = DEFAULT_CIRCUIT_SETTINGS,
    private readonly onStateChange: (change: CircuitStateChange) => void = () => undefined,
  ) {
    this.#breakers = new LRUCache({
      max: settings.maxCircuits,
      dispose: (breaker) => breaker.shutdown(),
    });
  }

  /** The current state of a circuit (closed when it was never used). */
  state(circuitKey: string): CircuitState {
    const breaker = this.#breakers.peek(circuitKey);
    if (!breaker) return 'closed';
    if (breaker.halfOpen) return 'half_open';
    return breaker.opened ? 'open' : 'closed';
  }

  /** True when a call on this circuit would be refused at once (open, or half-open with its probe under way). */
  refuses(circuitKey: string): boolean {
    const breaker = this.#breakers.peek(circuitKey);
    return breaker !== undefined && !breaker.closed && !breaker.pendingClose;
  }

  /** Runs `call` behind the circuit of `circuitKey`; rejects with CircuitOpenError when the circuit refuses it. */
  async run<T>(circuitKey: string, call: () => Promise<T>): Promise<T> {
    const breaker = this.#breaker(circuitKey);
    try {
      return (await breaker.fire(call)) as T;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EOPENBREAKER') throw new CircuitOpenError(circuitKey);
      throw error;
    }
  }

  /** Stops every breaker's timers. */
  close(): void {
    this.#breakers.clear();
  }

  #breaker(circuitKey: string): CircuitBreaker<[Thunk], unknown> {
    const existing = this.#breakers.get(circuitKey);
    if (existing) return existing;
    const breaker = new CircuitBreaker<[Thunk], unknown>((thunk: Thunk) => thunk(), {
      // The outbound client has its own timeouts; a breaker timeout would abandon a call it cannot cancel.
      timeout: false,
      errorThresholdPercentage: this.settings.errorThresholdPercentage,
      volumeThreshold: this.settings.volumeThreshold,
      rollingCountTimeout: this.settings.rollingWindowMs,
      resetTimeout: this.settings.resetTimeoutMs,
      errorFilter: notTheUpstreamsFault,
    });
    breaker.on('open', () => this.onStateChange({ circuitKey, state: 'open' }));
    breaker.on('halfOpen', () => this.onStateChange({ circuitKey, state: 'half_open' }));
    breaker.on('close', () => this.onStateChange({ circuitKey, state: 'closed' }));
    this.#breakers.set(circuitKey, breaker);
    return breaker;
  }
}

/** A call refused because its circuit is open. */
export class CircuitOpenError extends Error {
  constructor(readonly circuitKey: string) {
    super(`circuit ${circuitKey} is open`);
    this.name = 'CircuitOpenError';
  }
}
