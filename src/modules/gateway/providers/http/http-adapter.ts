import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelProvider,
  ProviderCallContext,
} from '../../ports.js';
import { ProviderError } from '../provider-error.js';
import type { ProviderHttpClient } from './provider-http-client.js';
import type { SseEvent } from './sse-parser.js';

/** What a stream transform makes of one upstream event: chunks to yield, and whether the stream is complete. */
export interface StreamStep {
  chunks: ChatCompletionChunk[];
  done: boolean;
}

/** Where an adapter sends a call and with which credential. */
export interface AdapterConnection {
  /** Base URL without a trailing slash (checked by `checkProviderBaseUrl`). */
  baseUrl: string;
  /** The upstream credential; null for a keyless OpenAI-compatible server. */
  credential: string | null;
  /** Kind-specific settings (OpenAI organization, Anthropic version). */
  options: Readonly<Record<string, string>>;
}

/**
 * A declarative provider adapter: a parameter map (which chat fields it sends, under which names) expressed by
 * its request transforms, plus response and stream transforms. `createHttpProvider` turns it into a ModelProvider.
 */
export interface HttpAdapterSpec {
  kind: string;
  /** Headers of every call (the credential among them). */
  headers(connection: AdapterConnection): Record<string, string>;
  chat: {
    path: string;
    request(request: ChatRequest, stream: boolean): Record<string, unknown>;
    response(body: unknown, request: ChatRequest): ChatCompletion;
    /** A fresh transform per stream (it may keep state across events). */
    stream(request: ChatRequest): (event: SseEvent) => StreamStep;
  };
  /** Absent when the upstream has no embeddings API: `embed` then fails with `rejected`. */
  embed?: {
    path: string;
    request(request: EmbeddingRequest): Record<string, unknown>;
    response(body: unknown, request: EmbeddingRequest): EmbeddingResponse;
  };
}

/** A ModelProvider that speaks `spec`'s wire format to one connection through the shared outbound client. */
export function createHttpProvider(
  spec: HttpAdapterSpec,
  connection: AdapterConnection,
  http: ProviderHttpClient,
): ModelProvider {
  // SECURITY: the credential lives in this closure and in the request headers only; it is scrubbed from every error
  // message the client builds, so a log line of a failure never carries it.
  const secrets = connection.credential ? [connection.credential] : [];
  const base = connection.baseUrl.replace(/\/+$/, '');
  const send = (path: string, body: Record<string, unknown>, context: ProviderCallContext) => ({
    url: `${base}${path}`,
    headers: spec.headers(connection),
    body,
    signal: context.signal,
    secrets,
  });
  return {
    kind: spec.kind,
    async chat(request, context) {
      const body = await http.postJson(send(spec.chat.path, spec.chat.request(request, false), context));
      return spec.chat.response(body, request);
    },
    async *chatStream(request, context) {
      const transform = spec.chat.stream(request);
      let completed = false;
      for await (const event of http.postStream(send(spec.chat.path, spec.chat.request(request, true), context))) {
        const step = transform(event);
        yield* step.chunks;
        if (step.done) {
          completed = true;
          break;
        }
      }
      // A stream cut before its terminal event is not a complete answer; the caller must not treat it as one.
      if (!completed) throw new ProviderError('malformed_response', `${spec.kind} stream ended before its final event`);
    },
    async embed(request, context) {
      if (!spec.embed) throw new ProviderError('rejected', `${spec.kind} has no embeddings API`);
      const body = await http.postJson(send(spec.embed.path, spec.embed.request(request), context));
      return spec.embed.response(body, request);
    },
  };
}

/** Parses the JSON `data` of an event, or fails as a malformed response. */
export function eventJson(event: SseEvent, kind: string): unknown {
  try {
    return JSON.parse(event.data) as unknown;
  } catch {
    throw new ProviderError('malformed_response', `${kind} sent an event whose data is not JSON`);
  }
}
