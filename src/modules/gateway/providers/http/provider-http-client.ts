import { Agent, type Dispatcher } from 'undici';
import { readBoundedText } from '../../../../lib/read-bounded-text.js';
import { ProviderError } from '../provider-error.js';
import {
  abortError,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  retryDelayMs,
  sleep,
  type RetryPolicy,
} from './retry-policy.js';
import { SseParser, type SseEvent } from './sse-parser.js';

/** Timeouts of one outbound call (ms). */
export interface OutboundTimeouts {
  /** TCP and TLS connect. */
  connectMs: number;
  /** From the request being sent to the response headers. */
  headersMs: number;
  /** Longest silence between two pieces of the body (a stalled stream fails after it). */
  bodyIdleMs: number;
}

/** Settings of the outbound client; one client (one connection pool per origin) per process. */
export interface ProviderHttpClientOptions {
  timeouts: OutboundTimeouts;
  retry: RetryPolicy;
  /** Connections kept per upstream origin. */
  connectionsPerOrigin: number;
  /** Largest response body read (bytes); a larger answer is `malformed_response`. */
  maxResponseBytes: number;
  /** Randomness of the retry jitter (tests pass a fixed one). */
  random?: () => number;
  /** Told before each retry how long it waits and why (for logs and metrics); never given the request. */
  onRetry?: (retry: {
    attempt: number;
    waitMs: number;
    failure: ProviderError['failure'];
    status: number | null;
  }) => void;
}

export const DEFAULT_OUTBOUND_TIMEOUTS: OutboundTimeouts = { connectMs: 5_000, headersMs: 60_000, bodyIdleMs: 60_000 };

export const DEFAULT_HTTP_CLIENT_OPTIONS: ProviderHttpClientOptions = {
  timeouts: DEFAULT_OUTBOUND_TIMEOUTS,
  retry: DEFAULT_RETRY_POLICY,
  connectionsPerOrigin: 64,
  maxResponseBytes: 16 * 1024 * 1024,
};

/** One POST to an upstream. */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  /**
   * Values that must never appear in an error message kept for the log (the credential sent in the headers). An
   * upstream that echoes the key it was given would otherwise put it in the log.
   */
  secrets: readonly string[];
}

/** Thrown when the caller's signal aborted the call: not the upstream's fault, so never retried or counted by a breaker. */
export class ProviderCallAborted extends ProviderError {
  constructor(message: string) {
    super('unreachable', message);
    this.name = 'ProviderCallAborted';
  }
}

const ERROR_BODY_CHARS = 2_000;

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

// Network-level failures: the request may never have reached the model, so they are retryable.
function networkFailure(error: unknown, request: OutboundRequest): ProviderError {
  if (request.signal.aborted) return new ProviderCallAborted(abortError(request.signal).message);
  if (error instanceof ProviderError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const origin = new URL(request.url).origin;
  return new ProviderError(
    'unreachable',
    scrub(`${origin}: ${typeof code === 'string' ? code : 'error'}: ${message}`, request.secrets),
  );
}

const readText = (body: Dispatcher.ResponseData['body'], limit: number) =>
  readBoundedText(
    body,
    limit,
    () => new ProviderError('malformed_response', `response body larger than ${limit} bytes`),
  );

/** A non-2xx answer as a ProviderError: 429 → rate_limited (with Retry-After), 5xx → upstream_error, else rejected. */
async function statusFailure(response: Dispatcher.ResponseData, request: OutboundRequest): Promise<ProviderError> {
  let text = '';
  try {
    text = (await readText(response.body, 64 * 1024)).slice(0, ERROR_BODY_CHARS);
  } catch {
    text = '(unreadable body)';
  }
  const status = response.statusCode;
  const message = scrub(`upstream answered ${status}: ${text}`, request.secrets);
  if (status === 429)
    return new ProviderError('rate_limited', message, status, parseRetryAfter(response.headers['retry-after']));
  if (status >= 500)
    return new ProviderError('upstream_error', message, status, parseRetryAfter(response.headers['retry-after']));
  return new ProviderError('rejected', message, status);
}

/**
 * The one outbound HTTP client of the gateway: undici with a connection pool per upstream origin, connect / headers /
 * body-idle timeouts, the caller's AbortSignal honoured, and retries with full jitter on retryable failures only
 * (connection errors, 429 with `Retry-After` up to a cap, 5xx; never 4xx; never once a stream has yielded an event).
 */
export class ProviderHttpClient {
  readonly #agent: Agent;
  readonly #random: () => number;

  constructor(readonly options: ProviderHttpClientOptions = DEFAULT_HTTP_CLIENT_OPTIONS) {
    this.#agent = new Agent({
      connections: options.connectionsPerOrigin,
      connect: { timeout: options.timeouts.connectMs },
      headersTimeout: options.timeouts.headersMs,
      bodyTimeout: options.timeouts.bodyIdleMs,
      keepAliveTimeout: 30_000,
    });
    this.#random = options.random ?? Math.random;
  }

  /** POSTs JSON and returns the parsed JSON answer, retrying as the policy allows. */
  postJson(request: OutboundRequest): Promise<unknown> {
    return this.#withRetries(request, async () => {
      const response = await this.#send(request, 'application/json');
      if (response.statusCode < 200 || response.statusCode >= 300) throw await statusFailure(response, request);
      let text: string;
      try {
        text = await readText(response.body, this.options.maxResponseBytes);
      } catch (error) {
        throw networkFailure(error, request);
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ProviderError(
          'malformed_response',
          'upstream answered 2xx with a body that is not JSON',
          response.statusCode,
        );
      }
    });
  }

  /**
   * POSTs JSON and yields the server-sent events of the answer. Failures before the first event are retried as the
   * policy allows; after it, a failure ends the stream with its ProviderError (a retry would repeat output).
   */
  async *postStream(request: OutboundRequest): AsyncGenerator<SseEvent> {
    const response = await this.#withRetries(request, async () => {
      const r = await this.#send(request, 'text/event-stream');
      if (r.statusCode < 200 || r.statusCode >= 300) throw await statusFailure(r, request);
      const type = String(r.headers['content-type'] ?? '');
      if (!type.includes('text/event-stream')) {
        r.body.destroy();
        throw new ProviderError(
          'malformed_response',
          `upstream streamed ${type || 'no content type'}, not text/event-stream`,
          r.statusCode,
        );
      }
      return r;
    });
    const parser = new SseParser();
    const decoder = new TextDecoder('utf-8');
    let size = 0;
    try {
      for await (const piece of response.body) {
        const bytes = piece as Buffer;
        size += bytes.length;
        if (size > this.options.maxResponseBytes)
          throw new ProviderError('malformed_response', `stream larger than ${this.options.maxResponseBytes} bytes`);
        let events: SseEvent[];
        try {
          events = parser.push(decoder.decode(bytes, { stream: true }));
        } catch (error) {
          throw new ProviderError('malformed_response', error instanceof Error ? error.message : 'bad event stream');
        }
        yield* events;
      }
    } catch (error) {
      throw error instanceof ProviderError ? error : networkFailure(error, request);
    } finally {
      // A consumer that stops early (client gone, guard cut the stream) releases the connection at once.
      if (!response.body.destroyed) response.body.destroy();
    }
  }

  /** Closes every pooled connection. */
  close(): Promise<void> {
    return this.#agent.close();
  }

  async #send(request: OutboundRequest, accept: string): Promise<Dispatcher.ResponseData> {
    const url = new URL(request.url);
    try {
      return await this.#agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...request.headers, 'content-type': 'application/json', accept },
        body: JSON.stringify(request.body),
        signal: request.signal,
      });
    } catch (error) {
      throw networkFailure(error, request);
    }
  }

  async #withRetries<T>(request: OutboundRequest, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n += 1) {
      try {
        return await attempt();
      } catch (error) {
        const failure = error instanceof ProviderError ? error : networkFailure(error, request);
        if (failure instanceof ProviderCallAborted || request.signal.aborted) throw failure;
        const wait = retryDelayMs(this.options.retry, failure, n, this.#random);
        if (wait === null) throw failure;
        this.options.onRetry?.({ attempt: n, waitMs: wait, failure: failure.failure, status: failure.upstreamStatus });
        try {
          await sleep(wait, request.signal);
        } catch {
          throw new ProviderCallAborted(abortError(request.signal).message);
        }
      }
    }
  }
}
