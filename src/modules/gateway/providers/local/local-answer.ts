import { contentText } from '../../message-text.js';
import type { ChatRequest } from '../../ports.js';
import { countTokens } from '../../tokens.js';
import { LOCAL_LABEL } from './local-models.js';

const ECHO_MAX = 400;

function lastOf(request: ChatRequest, role: 'user' | 'tool'): string | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === role) return contentText(message.content);
  }
  return undefined;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > ECHO_MAX ? `${flat.slice(0, ECHO_MAX)}…` : flat;
}

/**
 * The built-in model's text answer: a pure function of the request. It labels itself, answers a tool result
 * by quoting it, answers JSON mode with a JSON object, and otherwise echoes the last user message.
 */
export function localAnswer(request: ChatRequest): string {
  const last = request.messages[request.messages.length - 1];
  if (last?.role === 'tool') return `${LOCAL_LABEL} The tool returned: ${clip(contentText(last.content))}`;
  const said = clip(lastOf(request, 'user') ?? '');
  const format = (request.response_format as { type?: unknown } | undefined)?.type;
  if (format === 'json_object' || format === 'json_schema')
    return JSON.stringify({ model: 'bulwark-local-chat', built_in: true, echo: said });
  return `${LOCAL_LABEL} You said: ${said}`;
}

/** Cuts `text` to at most `maxTokens` (approximate count), on a word boundary; reports whether it cut. */
export function limitTokens(text: string, maxTokens: number | undefined): { text: string; cut: boolean } {
  if (maxTokens === undefined || countTokens(text) <= maxTokens) return { text, cut: false };
  const words = text.split(/(?<=\s)/);
  let out = '';
  for (const word of words) {
    if (countTokens(out + word) > maxTokens) break;
    out += word;
  }
  return { text: out.trimEnd(), cut: true };
}
