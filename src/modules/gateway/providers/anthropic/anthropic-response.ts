import { z } from 'zod';
import type { ChatCompletion, ChatCompletionChunk, ChatToolCall, TokenUsage } from '../../ports.js';
import { eventJson, type StreamStep } from '../http/http-adapter.js';
import type { SseEvent } from '../http/sse-parser.js';
import { ProviderError } from '../provider-error.js';

type FinishReason = ChatCompletion['choices'][number]['finish_reason'];

/** Anthropic's stop reasons in the chat format. */
export function mapStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return reason ? 'stop' : null;
  }
}

const usageSchema = z.object({
  input_tokens: z.number().int().nonnegative().nullable().optional(),
  output_tokens: z.number().int().nonnegative().nullable().optional(),
  cache_creation_input_tokens: z.number().int().nonnegative().nullable().optional(),
  cache_read_input_tokens: z.number().int().nonnegative().nullable().optional(),
});
type AnthropicUsage = z.infer<typeof usageSchema>;

// Cached input is input the model read: it counts towards prompt tokens as OpenAI counts cached prompt tokens.
function inputTokens(u: AnthropicUsage): number {
  return (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

function usage(input: number, output: number): TokenUsage {
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

const messageSchema = z.object({
  id: z.string(),
  model: z.string(),
  content: z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
      z.object({ type: z.string() }),
    ]),
  ),
  stop_reason: z.string().nullable(),
  usage: usageSchema,
});

const malformed = (what: string) =>
  new ProviderError('malformed_response', `anthropic ${what} does not match the Messages format`);

/** An Anthropic message as a chat completion: text blocks joined, tool_use blocks as tool calls, usage mapped. */
export function fromAnthropicMessage(body: unknown, nowSeconds: number): ChatCompletion {
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) throw malformed('message');
  const m = parsed.data;
  let text = '';
  const toolCalls: ChatToolCall[] = [];
  for (const block of m.content) {
    if (block.type === 'text' && 'text' in block) text += block.text;
    else if (block.type === 'tool_use' && 'name' in block)
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    // thinking and other blocks are not part of the chat format's answer.
  }
  return {
    id: m.id,
    object: 'chat.completion',
    created: nowSeconds,
    model: m.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length ? null : text,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: mapStopReason(m.stop_reason),
      },
    ],
    usage: usage(inputTokens(m.usage), m.usage.output_tokens ?? 0),
  };
}

const streamEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message_start'),
    message: z.object({ id: z.string(), model: z.string(), usage: usageSchema }),
  }),
  z.object({
    type: z.literal('content_block_start'),
    index: z.number().int(),
    content_block: z.object({ type: z.string(), id: z.string().optional(), name: z.string().optional() }),
  }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.number().int(),
    delta: z.object({ type: z.string(), text: z.string().optional(), partial_json: z.string().optional() }),
  }),
  z.object({ type: z.literal('content_block_stop'), index: z.number().int() }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: z.string().nullable().optional() }),
    usage: usageSchema.optional(),
  }),
  z.object({ type: z.literal('message_stop') }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string().optional() }) }),
]);

function streamError(type: string, message: string | undefined): ProviderError {
  const text = `anthropic stream error ${type}: ${message ?? ''}`;
  if (type === 'overloaded_error' || type === 'api_error') return new ProviderError('upstream_error', text);
  if (type === 'rate_limit_error') return new ProviderError('rate_limited', text);
  return new ProviderError('rejected', text);
}

/**
 * A transform of Anthropic's stream events into chat chunks: message_start → the role chunk; text deltas →
 * content; a tool_use block start → a tool-call chunk with id and name, its input_json deltas → argument chunks
 * (tool-call indexes count tool blocks only, as OpenAI's do); message_delta → the finish reason; message_stop →
 * a last chunk with usage (no choices, as OpenAI's `include_usage` chunk); an error event → its ProviderError.
 */
export function anthropicStreamTransform(nowSeconds: number): (event: SseEvent) => StreamStep {
  let id = '';
  let model = '';
  let input = 0;
  let output = 0;
  const toolIndex = new Map<number, number>();
  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: FinishReason = null,
  ): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created: nowSeconds,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return (event) => {
    const parsed = streamEventSchema.safeParse(eventJson(event, 'anthropic'));
    // Event types added later by Anthropic are skipped, as its own SDK does.
    if (!parsed.success) {
      const type = (eventJson(event, 'anthropic') as { type?: unknown }).type;
      if (
        typeof type === 'string' &&
        !['message_start', 'content_block_start', 'content_block_delta', 'message_delta', 'error'].includes(type)
      )
        return { chunks: [], done: false };
      throw malformed(`stream event ${typeof type === 'string' ? type : ''}`);
    }
    const e = parsed.data;
    switch (e.type) {
      case 'message_start':
        id = e.message.id;
        model = e.message.model;
        input = inputTokens(e.message.usage);
        output = e.message.usage.output_tokens ?? 0;
        return { chunks: [chunk({ role: 'assistant', content: '' })], done: false };
      case 'content_block_start': {
        if (e.content_block.type !== 'tool_use') return { chunks: [], done: false };
        const index = toolIndex.size;
        toolIndex.set(e.index, index);
        return {
          chunks: [
            chunk({
              tool_calls: [
                {
                  index,
                  id: e.content_block.id ?? '',
                  type: 'function',
                  function: { name: e.content_block.name ?? '', arguments: '' },
                },
              ],
            }),
          ],
          done: false,
        };
      }
      case 'content_block_delta': {
        if (e.delta.type === 'text_delta' && e.delta.text !== undefined)
          return { chunks: [chunk({ content: e.delta.text })], done: false };
        const index = toolIndex.get(e.index);
        if (e.delta.type === 'input_json_delta' && index !== undefined && e.delta.partial_json !== undefined)
          return {
            chunks: [chunk({ tool_calls: [{ index, function: { arguments: e.delta.partial_json } }] })],
            done: false,
          };
        return { chunks: [], done: false }; // thinking and signature deltas are not part of the chat answer
      }
      case 'message_delta':
        if (e.usage) {
          if (e.usage.output_tokens != null) output = e.usage.output_tokens;
          const later = inputTokens(e.usage);
          if (later > 0) input = later;
        }
        return { chunks: [chunk({}, mapStopReason(e.delta.stop_reason))], done: false };
      case 'message_stop':
        return {
          chunks: [
            {
              id,
              object: 'chat.completion.chunk',
              created: nowSeconds,
              model,
              choices: [],
              usage: usage(input, output),
            },
          ],
          done: true,
        };
      case 'error':
        throw streamError(e.error.type, e.error.message);
      default:
        return { chunks: [], done: false };
    }
  };
}
