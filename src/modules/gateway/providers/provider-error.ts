/** Why a provider call failed, as retry, fallback and the circuit breaker need to know it. */
export type ProviderFailure =
  /** Connection refused or reset, DNS failure, timeout: the request may not have reached the model. */
  | 'unreachable'
  /** 429 from the upstream. */
  | 'rate_limited'
  /** 5xx from the upstream. */
  | 'upstream_error'
  /** 4xx other than 429: the request itself is wrong for this upstream; retrying cannot help. */
  | 'rejected'
  /** The upstream answered with something that is not its documented wire format. */
  | 'malformed_response';

const RETRYABLE: ReadonlySet<ProviderFailure> = new Set(['unreachable', 'rate_limited', 'upstream_error']);

/** A failed call to a model provider. The upstream's message is kept for the log, never shown to the client. */
export class ProviderError extends Error {
  constructor(
    readonly failure: ProviderFailure,
    message: string,
    readonly upstreamStatus: number | null = null,
    /** Seconds from the upstream's `Retry-After`, when it sent one. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  /** True when another attempt (the same target later, or the next in the chain) may succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.failure);
  }
}
