// A server-sent events parser (WHATWG HTML "event stream interpretation") for streamed provider bodies. undici's
// EventSource is a client that opens its own GET connection; it does not parse a POST response body, and
// `eventsource-parser` is not a dependency, so this is the small parser the providers need.

/** One dispatched event: `event` defaults to `message`; `data` lines are joined with `\n`. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Bounds that keep a hostile or broken upstream from growing the buffer without limit. */
export interface SseLimits {
  /** Longest line accepted (characters); a longer one fails the stream. */
  maxLineChars: number;
  /** Largest `data` of one event (characters). */
  maxEventChars: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = { maxLineChars: 1_048_576, maxEventChars: 4_194_304 };

/** Thrown when a stream breaks the parser's limits. */
export class SseLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SseLimitError';
  }
}

/**
 * Incremental parser: `push` text as it arrives (any split, CRLF, CR or LF line ends), get back the events it
 * completed. `end` flushes nothing: per the spec, an event not terminated by a blank line is discarded.
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #dataChars = 0;
  #event = '';
  #id: string | undefined;
  #sawCr = false;
  #first = true;

  constructor(private readonly limits: SseLimits = DEFAULT_SSE_LIMITS) {}

  /** Feeds a piece of the body; returns the events completed by it. */
  push(text: string): SseEvent[] {
    let chunk = text;
    if (this.#first && chunk.length > 0) {
      // A leading byte order mark is ignored.
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      this.#first = false;
    }
    const out: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk.charCodeAt(i);
      if (c === 10 /* \n */) {
        if (this.#sawCr && start === i && this.#buffer === '') {
          // The LF of a CRLF whose CR ended the previous line.
          this.#sawCr = false;
          start = i + 1;
          continue;
        }
        this.#sawCr = false;
        this.#line(this.#buffer + chunk.slice(start, i), out);
        this.#buffer = '';
        start = i + 1;
      } else if (c === 13 /* \r */) {
        this.#line(this.#buffer + chunk.slice(start, i), out);
        this.#buffer = '';
        this.#sawCr = true;
        start = i + 1;
      } else if (this.#sawCr) {
        this.#sawCr = false;
      }
    }
    this.#buffer += chunk.slice(start);
    if (this.#buffer.length > this.limits.maxLineChars) throw new SseLimitError('event stream line too long');
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line.length > this.limits.maxLineChars) throw new SseLimitError('event stream line too long');
    if (line === '') {
      this.#dispatch(out);
      return;
    }
    if (line.startsWith(':')) return; // comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#dataChars += value.length + 1;
        if (this.#dataChars > this.limits.maxEventChars) throw new SseLimitError('event stream event too large');
        this.#data.push(value);
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.#id = value;
        break;
      default:
        // `retry` and unknown fields are ignored: the gateway never reconnects a model stream.
        break;
    }
  }

  #dispatch(out: SseEvent[]): void {
    if (this.#data.length === 0) {
      this.#event = '';
      return;
    }
    out.push({
      event: this.#event || 'message',
      data: this.#data.join('\n'),
      ...(this.#id === undefined ? {} : { id: this.#id }),
    });
    this.#data = [];
    this.#dataChars = 0;
    this.#event = '';
  }
}

/** Parses a whole body of text chunks into its events, as they complete. */
export async function* parseSse(chunks: AsyncIterable<string>, limits?: SseLimits): AsyncGenerator<SseEvent> {
  const parser = new SseParser(limits);
  for await (const chunk of chunks) yield* parser.push(chunk);
}
