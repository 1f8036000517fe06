import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake upstream received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  rawBody: string;
}

/** A failure the fake applies to the next request instead of answering it. */
export type Failure =
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  /** Accepts the request and never answers (a hang past every timeout). */
  | { kind: 'hang' }
  /** Destroys the connection without an answer (ECONNRESET at the client). */
  | { kind: 'reset' }
  /** Streams `events` raw SSE lines, then destroys the connection mid-stream. */
  | { kind: 'cut_stream'; after: string };

/** What a wire-format fake answers one request with. */
export type Handler = (request: RecordedRequest, res: ServerResponse) => void;

/**
 * A fake model upstream on 127.0.0.1 (node:http, port 0): records every request it receives, answers with the
 * handler of its wire format, and applies queued failures first.
 */
export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  readonly #failures: Failure[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #hung = new Set<ServerResponse>();
  #server: Server | undefined;
  url = '';

  constructor(private readonly handler: Handler) {}

  /** Starts listening; `url` is then `http://127.0.0.1:<port>`. */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** Queues failures for the next requests, one each, in order. */
  failNext(...failures: Failure[]): void {
    this.#failures.push(...failures);
  }

  /** Failures still queued. */
  get pendingFailures(): number {
    return this.#failures.length;
  }

  /** Stops listening and drops every connection (hung ones included). */
  async close(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      rawBody,
    };
    this.requests.push(recorded);
    const failure = this.#failures.shift();
    if (!failure) {
      this.handler(recorded, res);
      return;
    }
    switch (failure.kind) {
      case 'status':
        res.writeHead(failure.status, {
          'content-type': 'application/json',
          ...(failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter }),
        });
        res.end(
          JSON.stringify(
            failure.body ?? { error: { message: `fake failure ${failure.status}`, type: 'server_error' } },
          ),
        );
        return;
      case 'hang':
        this.#hung.add(res);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'cut_stream':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(failure.after);
        setTimeout(() => req.socket.destroy(), 20);
        return;
    }
  }
}

/** Writes server-sent events: `event:` line when named, one `data:` line, blank line. */
export function writeSse(res: ServerResponse, events: { event?: string; data: string }[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const e of events) res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${e.data}\n\n`);
  res.end();
}

/** The text of the last user message of a chat or Messages request (string or text parts). */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i] as { role?: unknown; content?: unknown };
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content))
      return m.content
        .map((p: { type?: unknown; text?: unknown }) => (p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
        .join('');
  }
  return '';
}

/** Splits text into pieces of about `size` characters (the chunks of a fake stream). */
export function pieces(text: string, size = 4): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}
