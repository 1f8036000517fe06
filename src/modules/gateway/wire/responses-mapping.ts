import type { ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequest, TokenUsage } from '../ports.js';
import type { ResponsesBody } from './request-schemas.js';

// The Responses API is served by the chat pipeline: the request is mapped to chat messages, the answer back to a
// `response` object, and a chat stream to the Responses stream events (response.created … response.completed).

function partsText(content: string | readonly { type: string; text?: unknown }[]): string {
  if (typeof content === 'string') return content;
  return content
    .filter((p) => (p.type === 'input_text' || p.type === 'output_text') && typeof p.text === 'string')
    .map((p) => p.text as string)
    .join('\n');
}

/** The chat request a Responses request is served as. */
export function responsesToChat(body: ResponsesBody): ChatRequest {
  const messages: ChatMessage[] = [];
  if (body.instructions) messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else
    for (const item of body.input) {
      if (item.type === 'function_call')
        messages.push({
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } },
          ],
        });
      else if (item.type === 'function_call_output')
        messages.push({ role: 'tool', content: item.output, tool_call_id: item.call_id });
      else messages.push({ role: item.role, content: partsText(item.content) });
    }
  const choice = body.tool_choice;
  return {
    model: body.model,
    messages,
    ...(body.tools?.length
      ? {
          tools: body.tools.map((t) => ({
            type: 'function',
            function: {
              name: t.name,
              ...(t.description ? { description: t.description } : {}),
              ...(t.parameters ? { parameters: t.parameters } : {}),
            },
          })),
        }
      : {}),
    ...(choice === undefined
      ? {}
      : { tool_choice: typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } } }),
    ...(body.max_output_tokens ? { max_tokens: body.max_output_tokens } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
    ...(typeof body.parallel_tool_calls === 'boolean' ? { parallel_tool_calls: body.parallel_tool_calls } : {}),
    ...(body.user ? { user: body.user } : {}),
  };
}

/** A Responses `output` item. */
export type ResponseOutputItem =
  | {
      type: 'message';
      id: string;
      status: 'completed' | 'in_progress';
      role: 'assistant';
      content: { type: 'output_text'; text: string; annotations: unknown[] }[];
    }
  | {
      type: 'function_call';
      id: string;
      call_id: string;
      name: string;
      arguments: string;
      status: 'completed' | 'in_progress';
    };

/** A Responses `response` object (the fields OpenAI's clients read). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: 'completed' | 'in_progress' | 'incomplete';
  model: string;
  output: ResponseOutputItem[];
  usage: {
    input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    input_tokens_details: { cached_tokens: number };
    output_tokens_details: { reasoning_tokens: number };
  } | null;
  error: null;
  incomplete_details: { reason: 'max_output_tokens' } | null;
  instructions: string | null;
  tools: unknown[];
  tool_choice: unknown;
  parallel_tool_calls: boolean;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  previous_response_id: null;
  text: { format: { type: 'text' } };
  metadata: Record<string, string>;
}

function responseId(chatId: string): string {
  return `resp_${chatId.replace(/^chatcmpl-?/, '')}`;
}

function usageOf(usage: TokenUsage | null | undefined): ResponseObject['usage'] {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens,
    output_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens_details: { reasoning_tokens: 0 },
  };
}

function shell(
  body: ResponsesBody,
  id: string,
  created: number,
): Omit<ResponseObject, 'output' | 'usage' | 'status' | 'incomplete_details'> {
  return {
    id,
    object: 'response',
    created_at: created,
    model: body.model,
    error: null,
    instructions: body.instructions ?? null,
    tools: (body.tools ?? []).map((t) => ({ ...t, strict: t.strict ?? false })),
    tool_choice: body.tool_choice ?? 'auto',
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    previous_response_id: null,
    text: { format: { type: 'text' } },
    metadata: {},
  };
}

/** The `response` object of a chat completion. */
export function chatToResponse(body: ResponsesBody, completion: ChatCompletion): ResponseObject {
  const id = responseId(completion.id);
  const choice = completion.choices[0];
  const output: ResponseOutputItem[] = [];
  const text = choice?.message.content;
  if (text)
    output.push({
      type: 'message',
      id: `msg_${id.slice(5)}`,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    });
  for (const call of choice?.message.tool_calls ?? [])
    output.push({
      type: 'function_call',
      id: `fc_${call.id.replace(/^call_/, '')}`,
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: 'completed',
    });
  const cut = choice?.finish_reason === 'length';
  return {
    ...shell(body, id, completion.created),
    status: cut ? 'incomplete' : 'completed',
    incomplete_details: cut ? { reason: 'max_output_tokens' } : null,
    output,
    usage: usageOf(completion.usage),
  };
}

/** One Responses stream event (its `type` is also the SSE event name). */
export type ResponsesStreamEvent = { type: string; sequence_number: number; [field: string]: unknown };

/**
 * Maps a (held-back, scanned) chat stream to the Responses stream events: response.created, response.in_progress,
 * response.output_item.added, response.content_part.added, response.output_text.delta …, response.output_text.done,
 * response.content_part.done, response.output_item.done (and the function_call_arguments events for tool calls),
 * response.completed. A failure of the chat stream propagates (the route writes the `error` event).
 */
export async function* chatStreamToResponses(
  body: ResponsesBody,
  chunks: AsyncIterable<ChatCompletionChunk>,
): AsyncGenerator<ResponsesStreamEvent> {
  let seq = 0;
  const event = (type: string, fields: Record<string, unknown>): ResponsesStreamEvent => ({
    type,
    sequence_number: seq++,
    ...fields,
  });
  let base: ReturnType<typeof shell> | undefined;
  let text = '';
  let messageOpen = false;
  let messageId = '';
  let usage: TokenUsage | null = null;
  let finish: string | null = null;
  const output: ResponseOutputItem[] = [];
  const calls: { id: string; name: string; args: string }[] = [];
  for await (const chunk of chunks) {
    if (!base) {
      base = shell(body, responseId(chunk.id), chunk.created);
      messageId = `msg_${base.id.slice(5)}`;
      const started = { ...base, status: 'in_progress', output: [], usage: null, incomplete_details: null };
      yield event('response.created', { response: started });
      yield event('response.in_progress', { response: started });
    }
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) finish = choice.finish_reason;
    const delta = choice.delta.content;
    if (typeof delta === 'string' && delta.length > 0) {
      if (!messageOpen) {
        messageOpen = true;
        yield event('response.output_item.added', {
          output_index: 0,
          item: { type: 'message', id: messageId, status: 'in_progress', role: 'assistant', content: [] },
        });
        yield event('response.content_part.added', {
          item_id: messageId,
          output_index: 0,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        });
      }
      text += delta;
      yield event('response.output_text.delta', {
        item_id: messageId,
        output_index: 0,
        content_index: 0,
        delta,
        logprobs: [],
      });
    }
    for (const call of choice.delta.tool_calls ?? [])
      if (call.id && call.function?.name !== undefined)
        calls.push({ id: call.id, name: call.function.name, args: call.function.arguments ?? '' });
  }
  if (!base) return;
  if (messageOpen) {
    const part = { type: 'output_text' as const, text, annotations: [] };
    yield event('response.output_text.done', {
      item_id: messageId,
      output_index: 0,
      content_index: 0,
      text,
      logprobs: [],
    });
    yield event('response.content_part.done', { item_id: messageId, output_index: 0, content_index: 0, part });
    const item: ResponseOutputItem = {
      type: 'message',
      id: messageId,
      status: 'completed',
      role: 'assistant',
      content: [part],
    };
    output.push(item);
    yield event('response.output_item.done', { output_index: 0, item });
  }
  for (const call of calls) {
    const outputIndex = output.length;
    const itemId = `fc_${call.id.replace(/^call_/, '')}`;
    yield event('response.output_item.added', {
      output_index: outputIndex,
      item: {
        type: 'function_call',
        id: itemId,
        call_id: call.id,
        name: call.name,
        arguments: '',
        status: 'in_progress',
      },
    });
    yield event('response.function_call_arguments.delta', {
      item_id: itemId,
      output_index: outputIndex,
      delta: call.args,
    });
    yield event('response.function_call_arguments.done', {
      item_id: itemId,
      output_index: outputIndex,
      arguments: call.args,
    });
    const item: ResponseOutputItem = {
      type: 'function_call',
      id: itemId,
      call_id: call.id,
      name: call.name,
      arguments: call.args,
      status: 'completed',
    };
    output.push(item);
    yield event('response.output_item.done', { output_index: outputIndex, item });
  }
  const cut = finish === 'length';
  yield event(cut ? 'response.incomplete' : 'response.completed', {
    response: {
      ...base,
      status: cut ? 'incomplete' : 'completed',
      incomplete_details: cut ? { reason: 'max_output_tokens' } : null,
      output,
      usage: usageOf(usage),
    },
  });
}
