import { request, type Agent } from 'undici';
import { readBoundedText, type ReadableBody } from '../../../lib/read-bounded-text.js';
import type { Secret } from '../../../lib/secret.js';

/** Why a remote call failed. */
export type RemoteFailureKind = 'timeout' | 'unreachable' | 'status' | 'malformed' | 'circuit_open';

/** A remote detector call that did not produce a usable answer. Its message never carries the bearer token. */
export class RemoteCallError extends Error {
  constructor(
    readonly kind: RemoteFailureKind,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'RemoteCallError';
  }

  /**
   * Whether the failure is the endpoint's, so counts against its circuit. A 400, 413 or 422 is the request's fault
   * (one org's odd text), so it cannot open the circuit every org's scans go through.
   */
  get countsAgainstEndpoint(): boolean {
    return !(this.kind === 'status' && (this.status === 400 || this.status === 413 || this.status === 422));
  }
}

/** Where and how a detector posts. */
export interface RemoteEndpoint {
  /** Base URL of the server, e.g. `http://tei:8080`; the path is appended. */
  readonly baseUrl: string;
  readonly token?: Secret | undefined;
  /** Limit of one call, sending to last byte. */
  readonly timeoutMs: number;
  /** Largest response body read (bytes); a larger one is malformed. */
  readonly maxResponseBytes: number;
}

const ERROR_BODY_CHARS = 300;

function scrub(text: string, endpoint: RemoteEndpoint): string {
  const token = endpoint.token?.reveal();
  // SECURITY: a server that echoes the credential it was sent must not put it into an error message or a log.
  return token && token.length >= 4 ? text.split(token).join('[redacted]') : text;
}

const readBounded = (body: ReadableBody, limit: number) =>
  readBoundedText(body, limit, () => new RemoteCallError('malformed', `response body larger than ${limit} bytes`));

function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * POSTs JSON to `endpoint.baseUrl + path` and returns the parsed JSON answer. Throws RemoteCallError on a timeout
 * (`timeoutMs`, the whole call), a network failure, a non-2xx status, a body over `maxResponseBytes` or one that is
 * not JSON. Redirects are not followed.
 */
export async function postJson(
  dispatcher: Agent,
  endpoint: RemoteEndpoint,
  path: string,
  body: unknown,
): Promise<unknown> {
  const url = joinUrl(endpoint.baseUrl, path);
  const signal = AbortSignal.timeout(endpoint.timeoutMs);
  const token = endpoint.token?.reveal();
  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher,
      signal,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await readBounded(response.body, 16 * 1024).catch(() => '(unreadable body)');
      throw new RemoteCallError(
        'status',
        scrub(`${path} answered ${response.statusCode}: ${text.slice(0, ERROR_BODY_CHARS)}`, endpoint),
        response.statusCode,
      );
    }
    const text = await readBounded(response.body, endpoint.maxResponseBytes);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RemoteCallError('malformed', `${path} answered 2xx with a body that is not JSON`);
    }
  } catch (error) {
    if (error instanceof RemoteCallError) throw error;
    if (signal.aborted) throw new RemoteCallError('timeout', `${path} did not answer within ${endpoint.timeoutMs} ms`);
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    throw new RemoteCallError(
      'unreachable',
      scrub(`${new URL(url).origin}: ${typeof code === 'string' ? code : 'error'}: ${message}`, endpoint),
    );
  }
}
