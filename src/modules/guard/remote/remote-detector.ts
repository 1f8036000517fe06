import { Agent } from 'undici';
import type { Detector, Hook } from '../detector.js';
import { CircuitBreaker, CircuitOpenError, type BreakerSettings, type BreakerState } from './circuit-breaker.js';
import type { Secret } from '../../../lib/secret.js';
import { RemoteCallError, type RemoteEndpoint, type RemoteFailureKind } from './post-json.js';

/** What a remote detector tells its owner (for logs and metrics); never the text, never the token. */
export interface RemoteDetectorEvents {
  /** A call failed; the scans it served produced fail-closed findings. */
  readonly onFailure?: (failure: { detector: string; kind: RemoteFailureKind; status: number | null }) => void;
  readonly onCircuitChange?: (change: { detector: string; state: BreakerState }) => void;
}

/** A detector that asks a classifier served elsewhere; `close` releases its connections. */
export interface RemoteDetector extends Detector {
  close(): Promise<void>;
}

/** Settings every remote detector has. */
export interface RemoteDetectorBase {
  /** Names the detector in findings, logs and its circuit. */
  readonly name: string;
  /** Base URL of the server; the detector's path is appended. */
  readonly baseUrl: string;
  /** Bearer token sent in the Authorization header; never logged. */
  readonly token?: Secret | undefined;
  readonly hooks: readonly Hook[];
  readonly timeoutMs: number;
  readonly breaker: BreakerSettings;
  /** Largest response body read (bytes); default 1 MiB. */
  readonly maxResponseBytes?: number;
}

/** Default limit of a remote answer's body. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** The connection pool, circuit and failure reporting of one remote detector. */
export class RemoteCaller {
  readonly dispatcher: Agent;
  /** Where and how the calls go: URL, credential, time and size limits. */
  readonly endpoint: RemoteEndpoint;
  readonly #breaker: CircuitBreaker;

  constructor(
    private readonly detector: string,
    base: RemoteDetectorBase,
    private readonly events: RemoteDetectorEvents,
  ) {
    this.dispatcher = new Agent({ connect: { timeout: base.timeoutMs }, keepAliveTimeout: 30_000 });
    this.endpoint = {
      baseUrl: base.baseUrl,
      token: base.token,
      timeoutMs: base.timeoutMs,
      maxResponseBytes: base.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    };
    this.#breaker = new CircuitBreaker(detector, base.breaker, (state) =>
      events.onCircuitChange?.({ detector, state }),
    );
  }

  /** Runs one call behind the circuit; a failure (the circuit refusing it included) is reported, then rethrown. */
  async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await this.#breaker.run(
        send,
        (error) => !(error instanceof RemoteCallError) || error.countsAgainstEndpoint,
      );
    } catch (error) {
      const failure =
        error instanceof RemoteCallError
          ? error
          : error instanceof CircuitOpenError
            ? new RemoteCallError('circuit_open', error.message)
            : new RemoteCallError('malformed', error instanceof Error ? error.message : 'failed');
      this.events.onFailure?.({ detector: this.detector, kind: failure.kind, status: failure.status });
      throw failure;
    }
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
