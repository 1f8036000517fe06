import { systemClock, type Clock } from '../../../lib/clock.js';

/** Settings of one endpoint's breaker. */
export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit refuses calls before it lets one probe through (half-open). */
  readonly coolDownMs: number;
}

/** The state of a breaker. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** A call refused without touching the network because the endpoint's circuit is open. */
export class CircuitOpenError extends Error {
  constructor(readonly endpoint: string) {
    super(`circuit of ${endpoint} is open`);
    this.name = 'CircuitOpenError';
  }
}

/**
 * A circuit breaker for one remote endpoint: it opens after `failureThreshold` consecutive failures, refuses every
 * call while open, and after `coolDownMs` lets exactly one probe through; the probe's success closes it, its failure
 * opens it for another cool-down. (The gateway's breaker judges a failure rate over a rolling window and belongs to
 * the gateway module; a guard detector wants the simpler consecutive count.)
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(
    readonly endpoint: string,
    private readonly settings: BreakerSettings,
    private readonly onStateChange: (state: BreakerState) => void = () => undefined,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The current state; an open circuit whose cool-down has passed reports `half_open`. */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#coolDownOver()) return 'half_open';
    return this.#state;
  }

  /**
   * Runs `call` behind the circuit. `countsAsFailure` says whether an error is the endpoint's fault (default: every
   * error is); an error that is not still rejects the call but neither opens nor closes the circuit.
   */
  async run<T>(call: () => Promise<T>, countsAsFailure: (error: unknown) => boolean = () => true): Promise<T> {
    const probe = this.#admit();
    try {
      const value = await call();
      this.#succeeded();
      return value;
    } catch (error) {
      if (countsAsFailure(error)) this.#failed();
      throw error;
    } finally {
      if (probe) this.#probing = false;
    }
  }

  // Returns true when this call is the half-open probe; throws when the circuit refuses it.
  #admit(): boolean {
    if (this.#state === 'closed') return false;
    // INVARIANT: while open (and while a probe is under way) no call reaches the network.
    if (this.#probing || !this.#coolDownOver()) throw new CircuitOpenError(this.endpoint);
    this.#probing = true;
    this.#set('half_open');
    return true;
  }

  #succeeded(): void {
    this.#failures = 0;
    if (this.#state !== 'closed') this.#set('closed');
  }

  #failed(): void {
    this.#failures += 1;
    if (this.#state === 'half_open' || this.#failures >= this.settings.failureThreshold) {
      this.#openedAt = this.clock.now().getTime();
      this.#set('open');
    }
  }

  #coolDownOver(): boolean {
    return this.clock.now().getTime() - this.#openedAt >= this.settings.coolDownMs;
  }

  #set(state: BreakerState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.onStateChange(state);
  }
}
