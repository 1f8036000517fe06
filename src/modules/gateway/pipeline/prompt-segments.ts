import { contentText } from '../message-text.js';
import type { ChatMessage, ChatRequest } from '../ports.js';

// Every piece of request text that goes upstream is scanned: message contents (text parts), tool-call arguments in
// the history, and the tool definitions. They are joined with a separator line into one scan; the guard's
// rewritten text is split back on it.
const SEPARATOR = '\n\n\u241e\n\n';

/** Joins texts for one guard scan. */
export function joinTexts(texts: readonly string[]): string {
  return texts.join(SEPARATOR);
}

/** Splits a (possibly rewritten) joined text back into `count` texts, or null when a rewrite crossed a separator. */
export function splitTexts(joined: string, count: number): string[] | null {
  const parts = joined.split(SEPARATOR);
  return parts.length === count ? parts : null;
}

/** The texts of a chat request that reach the model, joined for one guard scan. */
export interface PromptText {
  /** All texts joined with the separator; what the guard scans. */
  joined: string;
  /** How many pieces were joined. */
  count: number;
}

function pieces(request: ChatRequest): string[] {
  const out: string[] = [];
  for (const message of request.messages) {
    out.push(contentText(message.content));
    for (const call of message.tool_calls ?? []) out.push(call.function.arguments);
  }
  out.push(request.tools?.length ? JSON.stringify(request.tools) : '');
  return out;
}

/** The request's upstream-bound texts, joined for the guard. */
export function promptText(request: ChatRequest): PromptText {
  const all = pieces(request);
  return { joined: joinTexts(all), count: all.length };
}

function rewriteContent(message: ChatMessage, text: string): ChatMessage['content'] {
  if (typeof message.content === 'string' || message.content === null) return message.content === null ? null : text;
  // A multi-part content: the rewritten text replaces the text parts, kept as one text part where the first was.
  let placed = false;
  const parts: typeof message.content = [];
  for (const part of message.content) {
    if (part.type !== 'text') parts.push(part);
    else if (!placed) {
      parts.push({ type: 'text', text });
      placed = true;
    }
  }
  return parts;
}

/**
 * The request with the guard's rewritten (masked or redacted) text put back, or null when the rewrite cannot be
 * mapped back (a span across the separator, or a change inside the tool definitions): the caller then blocks.
 */
export function applyRewrite(request: ChatRequest, original: PromptText, rewritten: string): ChatRequest | null {
  const parts = splitTexts(rewritten, original.count);
  if (parts === null) return null;
  const before = pieces(request);
  // SECURITY: tool definitions are forwarded as they are, so a rewrite inside them cannot be honoured: block.
  if (parts[parts.length - 1] !== before[before.length - 1]) return null;
  let index = 0;
  const take = (): string => parts[index++] ?? '';
  const messages = request.messages.map((message) => {
    const text = take();
    const calls = message.tool_calls?.map((call) => ({ ...call, function: { ...call.function, arguments: take() } }));
    const changed = text !== contentText(message.content);
    return {
      ...message,
      ...(changed ? { content: rewriteContent(message, text) } : {}),
      ...(calls ? { tool_calls: calls } : {}),
    };
  });
  return { ...request, messages };
}

/** The system and developer instructions of a request (the output guard checks a response does not echo them). */
export function systemPrompt(request: ChatRequest): string | undefined {
  const texts = request.messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => contentText(m.content));
  return texts.length ? texts.join('\n') : undefined;
}
