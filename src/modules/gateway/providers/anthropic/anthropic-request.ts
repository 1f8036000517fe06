import type { ChatContentPart, ChatMessage, ChatRequest } from '../../ports.js';
import { ProviderError } from '../provider-error.js';

/** Anthropic requires `max_tokens`; this is sent when the chat request names none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

const rejected = (message: string) => new ProviderError('rejected', `anthropic: ${message}`);

function textOf(content: ChatMessage['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

function imageBlock(part: ChatContentPart): Block {
  const image = (part as { image_url?: { url?: unknown } }).image_url;
  const url = typeof image?.url === 'string' ? image.url : '';
  const data = /^data:(image\/[a-z+.-]+);base64,(.+)$/i.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  if (/^https:\/\//.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw rejected('an image part needs an https or base64 data URL');
}

function contentBlocks(content: ChatMessage['content']): Block[] {
  if (content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((part) => {
    if (part.type === 'text') return { type: 'text', text: String(part.text) };
    if (part.type === 'image_url') return imageBlock(part);
    throw rejected(`content part type ${part.type} is not supported`);
  });
}

function toolInput(args: string, name: string): unknown {
  try {
    const input: unknown = JSON.parse(args === '' ? '{}' : args);
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('not an object');
    return input;
  } catch {
    throw rejected(`the arguments of tool call ${name} are not a JSON object`);
  }
}

// Anthropic alternates user and assistant turns; tool results travel in a user turn. Consecutive turns of one
// role are merged so the chat history maps whatever its shape.
function pushTurn(out: AnthropicMessage[], role: 'user' | 'assistant', blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = out.at(-1);
  if (last && last.role === role) last.content.push(...blocks);
  else out.push({ role, content: blocks });
}

function toolChoice(choice: unknown, parallel: boolean | undefined): Block | undefined {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...noParallel } : undefined;
  if (choice === 'auto') return { type: 'auto', ...noParallel };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...noParallel };
  const named = choice as { type?: unknown; function?: { name?: unknown } };
  if (named.type === 'function' && typeof named.function?.name === 'string')
    return { type: 'tool', name: named.function.name, ...noParallel };
  throw rejected('tool_choice is not one of auto, none, required or a named function');
}

function tools(list: unknown[]): Block[] {
  return list.map((tool) => {
    const t = tool as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } };
    if (t.type !== 'function' || typeof t.function?.name !== 'string')
      throw rejected('only function tools are supported');
    return {
      name: t.function.name,
      ...(typeof t.function.description === 'string' ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    };
  });
}

/**
 * The chat request as an Anthropic Messages request. Parameter map: system and developer messages → `system`;
 * user/assistant content → blocks; assistant `tool_calls` → `tool_use` blocks; `tool` messages → `tool_result`
 * blocks in a user turn; `tools`/`tool_choice`/`parallel_tool_calls` → Anthropic's; `max_completion_tokens` or
 * `max_tokens` (default ANTHROPIC_DEFAULT_MAX_TOKENS) → `max_tokens`; `stop` → `stop_sequences`; `user` →
 * `metadata.user_id`; `temperature`, `top_p` as they are. Not sent (Anthropic has no equivalent): `seed`,
 * `presence_penalty`, `frequency_penalty`, `response_format`.
 */
export function toAnthropicRequest(request: ChatRequest, stream: boolean): Record<string, unknown> {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        pushTurn(messages, 'user', contentBlocks(message.content));
        break;
      case 'assistant':
        pushTurn(messages, 'assistant', [
          ...contentBlocks(message.content),
          ...(message.tool_calls ?? []).map((call) => ({
            type: 'tool_use',
            id: call.id,
            name: call.function.name,
            input: toolInput(call.function.arguments, call.function.name),
          })),
        ]);
        break;
      case 'tool':
        if (!message.tool_call_id) throw rejected('a tool message needs tool_call_id');
        pushTurn(messages, 'user', [
          { type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) },
        ]);
        break;
    }
  }
  if (messages.length === 0) throw rejected('at least one user message is required');
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  const systemText = system.filter((s) => s !== '').join('\n\n');
  if (systemText) body.system = systemText;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.top_p !== undefined) body.top_p = request.top_p;
  if (request.stop !== undefined) body.stop_sequences = Array.isArray(request.stop) ? request.stop : [request.stop];
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.tools?.length) body.tools = tools(request.tools);
  const choice = request.tools?.length ? toolChoice(request.tool_choice, request.parallel_tool_calls) : undefined;
  if (choice) body.tool_choice = choice;
  if (stream) body.stream = true;
  return body;
}
