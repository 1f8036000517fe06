import { contentText } from '../message-text.js';
import type { ChatMessage, ChatRequest } from '../ports.js';

// Every piece of request text that goes upstream is scanned: message contents (text parts), tool-call arguments in
// the history, and the strings of the tool definitions. They are joined into one scan with a separator line that
// reads as plain prose (a marker that looks like a delimiter would trip the injection rules) and that splits the
// joined text back into exactly its pieces; the guard's rewritten text is split back on it.
const SEPARATORS = ['\n\n.\n\n', '\n\n..\n\n', '\n\n~\n\n', '\n\n~~\n\n', '\n\n.~.\n\n'];

/** Texts joined for one guard scan, with the separator that splits them back. */
export interface JoinedTexts {
  joined: string;
  separator: string;
  count: number;
}

/** Joins texts for one guard scan (null when no candidate separator splits the result back unambiguously). */
export function joinTexts(texts: readonly string[]): JoinedTexts | null {
  for (const separator of SEPARATORS) {
    const joined = texts.join(separator);
    const parts = joined.split(separator);
    if (parts.length === texts.length && parts.every((part, i) => part === texts[i]))
      return { joined, separator, count: texts.length };
  }
  return null;
}

/**
 * Joins model output texts for one scan. When no separator round-trips (practically never), they are joined with a
 * newline and cannot be split back: a rewrite of them is then withheld rather than applied.
 */
export function joinOutputTexts(texts: readonly string[]): JoinedTexts {
  return joinTexts(texts) ?? { joined: texts.join('\n'), separator: '\u0000', count: texts.length + 1 };
}

/** Splits a (possibly rewritten) joined text back into its texts, or null when a rewrite crossed a separator. */
export function splitTexts(joined: JoinedTexts, rewritten: string): string[] | null {
  const parts = rewritten.split(joined.separator);
  return parts.length === joined.count ? parts : null;
}

/** The texts of a chat request that reach the model, joined for one guard scan. */
export type PromptText = JoinedTexts;

// The strings of the tool definitions (names, descriptions, parameter names and enums), one per line: what a
// model reads of them, without JSON punctuation that reads like a delimiter attack to the injection rules.
function toolStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 32) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) toolStrings(item, out, depth + 1);
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) {
      if (key !== 'type') out.push(key);
      toolStrings(item, out, depth + 1);
    }
  return out;
}

function pieces(request: ChatRequest): string[] {
  const out: string[] = [];
  for (const message of request.messages) {
    out.push(contentText(message.content));
    for (const call of message.tool_calls ?? []) out.push(call.function.arguments);
  }
  if (request.tools?.length) out.push(toolStrings(request.tools).join('\n'));
  return out;
}

/** The request's upstream-bound texts, joined for the guard (null when they cannot be joined unambiguously). */
export function promptText(request: ChatRequest): PromptText | null {
  return joinTexts(pieces(request));
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
  const parts = splitTexts(original, rewritten);
  if (parts === null) return null;
  const before = pieces(request);
  // SECURITY: tool definitions are forwarded as they are, so a rewrite inside them cannot be honoured: block.
  if (request.tools?.length && parts[parts.length - 1] !== before[before.length - 1]) return null;
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
