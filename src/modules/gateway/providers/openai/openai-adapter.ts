import { z } from 'zod';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, EmbeddingResponse } from '../../ports.js';
import { ProviderError } from '../provider-error.js';
import { eventJson, type AdapterConnection, type HttpAdapterSpec } from '../http/http-adapter.js';

// Parameter map: the gateway's chat format is OpenAI's, so every field of ChatRequest is sent under its own name.
// Unknown response fields are dropped by the schemas below (only what ports.ts describes reaches the pipeline).
const CHAT_FIELDS = [
  'model',
  'messages',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'user',
] as const satisfies readonly (keyof ChatRequest)[];

const finishReason = z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']).nullable();
const usageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});
const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
// The fields every chat response and stream chunk opens with.
const responseHead = { id: z.string(), created: z.number().int(), model: z.string() };
const completionSchema = z.object({
  ...responseHead,
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal('assistant'),
        content: z.string().nullable(),
        tool_calls: z.array(toolCallSchema).optional(),
        refusal: z.string().nullable().optional(),
      }),
      finish_reason: finishReason,
    }),
  ),
  usage: usageSchema.optional(),
});
const chunkSchema = z.object({
  ...responseHead,
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({
        role: z.literal('assistant').optional(),
        content: z.string().nullable().optional(),
        tool_calls: z
          .array(
            z.object({
              index: z.number().int(),
              id: z.string().optional(),
              type: z.literal('function').optional(),
              function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
            }),
          )
          .optional(),
      }),
      finish_reason: finishReason,
    }),
  ),
  usage: usageSchema.nullable().optional(),
});
const embeddingSchema = z.object({
  model: z.string(),
  data: z.array(z.object({ index: z.number().int(), embedding: z.array(z.number()) })),
  usage: z.object({ prompt_tokens: z.number().int().nonnegative(), total_tokens: z.number().int().nonnegative() }),
});

// The legacy `function_call` finish reason means a tool call in the chat format the gateway speaks.
const finish = (r: z.infer<typeof finishReason>) => (r === 'function_call' ? 'tool_calls' : r);

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new ProviderError(
      'malformed_response',
      `upstream ${what} does not match the OpenAI format: ${result.error.issues[0]?.path.join('.') ?? ''}`,
    );
  return result.data;
}

function chatBody(request: ChatRequest, stream: boolean, includeUsage: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of CHAT_FIELDS) if (request[field] !== undefined) body[field] = request[field];
  if (stream) {
    body.stream = true;
    // Usage arrives in a last chunk only when asked for; metering needs it.
    if (includeUsage) body.stream_options = { include_usage: true };
  }
  return body;
}

/** Options of an OpenAI wire-format adapter. */
export interface OpenAiSpecOptions {
  kind: 'openai' | 'openai-compatible';
  /** Whether streams ask for a final usage chunk (`stream_options.include_usage`). */
  streamUsage: boolean;
}

/** The OpenAI wire format (Chat Completions and Embeddings), shared by `openai` and `openai-compatible`. */
export function openAiWireSpec(options: OpenAiSpecOptions): HttpAdapterSpec {
  return {
    kind: options.kind,
    headers(connection: AdapterConnection) {
      const headers: Record<string, string> = {};
      if (connection.credential) headers.authorization = `Bearer ${connection.credential}`;
      const organization = connection.options.organization;
      if (organization) headers['openai-organization'] = organization;
      return headers;
    },
    chat: {
      path: '/chat/completions',
      request: (request, stream) => chatBody(request, stream, options.streamUsage),
      response(body): ChatCompletion {
        const c = parse(completionSchema, body, 'completion');
        return {
          id: c.id,
          object: 'chat.completion',
          created: c.created,
          model: c.model,
          choices: c.choices.map((choice) => ({
            index: choice.index,
            message: {
              role: 'assistant',
              content: choice.message.content,
              ...(choice.message.tool_calls?.length ? { tool_calls: choice.message.tool_calls } : {}),
              ...(choice.message.refusal === undefined ? {} : { refusal: choice.message.refusal }),
            },
            finish_reason: finish(choice.finish_reason),
          })),
          ...(c.usage ? { usage: c.usage } : {}),
        };
      },
      stream: () => (event) => {
        if (event.data.trim() === '[DONE]') return { chunks: [], done: true };
        const c = parse(chunkSchema, eventJson(event, options.kind), 'stream chunk');
        const chunk: ChatCompletionChunk = {
          id: c.id,
          object: 'chat.completion.chunk',
          created: c.created,
          model: c.model,
          choices: c.choices.map((choice) => ({
            index: choice.index,
            delta: {
              ...(choice.delta.role ? { role: choice.delta.role } : {}),
              ...(choice.delta.content === undefined ? {} : { content: choice.delta.content }),
              ...(choice.delta.tool_calls ? { tool_calls: choice.delta.tool_calls } : {}),
            },
            finish_reason: finish(choice.finish_reason),
          })),
          ...(c.usage ? { usage: c.usage } : {}),
        };
        return { chunks: [chunk], done: false };
      },
    },
    embed: {
      path: '/embeddings',
      request: (request) => ({
        model: request.model,
        input: request.input,
        encoding_format: 'float',
        ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }),
        ...(request.user === undefined ? {} : { user: request.user }),
      }),
      response(body): EmbeddingResponse {
        const e = parse(embeddingSchema, body, 'embeddings');
        return {
          object: 'list',
          model: e.model,
          data: e.data.map((d) => ({ object: 'embedding', index: d.index, embedding: d.embedding })),
          usage: e.usage,
        };
      },
    },
  };
}
