import { contentText } from '../../message-text.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ModelProvider,
  ProviderCallContext,
  TokenUsage,
} from '../../ports.js';
import { countMessageTokens, countTokens } from '../../tokens.js';
import { ProviderError } from '../provider-error.js';
import { limitTokens, localAnswer } from './local-answer.js';
import { LOCAL_EMBED_DIMENSIONS } from './local-models.js';
import { LOCAL_EMBED_MAX_DIMENSIONS, localEmbedding } from './local-embedding.js';
import { localToolCall } from './local-tool-call.js';
import { stableId } from './stable-hash.js';

// Streamed text is cut into pieces of about this many characters, on word boundaries.
const CHUNK_CHARS = 24;

function promptTokens(request: ChatRequest): number {
  return countMessageTokens(request.messages.map((m) => contentText(m.content)));
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ProviderError('unreachable', 'the call was aborted');
}

function splitForStream(text: string): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const word of text.split(/(?<=\s)/)) {
    current += word;
    if (current.length >= CHUNK_CHARS) {
      pieces.push(current);
      current = '';
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/** A fixed creation time: the built-in model's answers are byte-for-byte the same for the same request. */
const CREATED = 1_767_225_600;

type Choice = ChatCompletion['choices'][number];

function completionOf(
  id: string,
  model: string,
  message: Choice['message'],
  finishReason: Choice['finish_reason'],
  tokens: TokenUsage,
): ChatCompletion {
  return {
    id,
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [{ index: 0, message, finish_reason: finishReason }],
    usage: tokens,
  };
}

/**
 * The built-in `local` provider: deterministic (same request, same answer), in process, no key. It labels every
 * answer as the built-in model's, can call a tool (see local-tool-call.ts) and embeds with hashed n-grams.
 */
export class LocalProvider implements ModelProvider {
  readonly kind = 'local';

  async chat(request: ChatRequest, context: ProviderCallContext): Promise<ChatCompletion> {
    checkAborted(context.signal);
    const id = `chatcmpl-local-${stableId(JSON.stringify(request))}`;
    const prompt = promptTokens(request);
    const toolCall = localToolCall(request);
    if (toolCall) {
      const message = { role: 'assistant' as const, content: null, tool_calls: [toolCall], refusal: null };
      const tokens = countTokens(toolCall.function.name + toolCall.function.arguments);
      return completionOf(id, request.model, message, 'tool_calls', usage(prompt, tokens));
    }
    const { text, cut } = limitTokens(localAnswer(request), request.max_completion_tokens ?? request.max_tokens);
    const message = { role: 'assistant' as const, content: text, refusal: null };
    return completionOf(id, request.model, message, cut ? 'length' : 'stop', usage(prompt, countTokens(text)));
  }

  async *chatStream(request: ChatRequest, context: ProviderCallContext): AsyncIterable<ChatCompletionChunk> {
    const whole = await this.chat(request, context);
    const choice = whole.choices[0];
    const base = { id: whole.id, object: 'chat.completion.chunk' as const, created: whole.created, model: whole.model };
    yield { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    const toolCalls = choice?.message.tool_calls;
    if (toolCalls) {
      for (const [index, call] of toolCalls.entries()) {
        checkAborted(context.signal);
        yield {
          ...base,
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
                ],
              },
              finish_reason: null,
            },
          ],
        };
        yield {
          ...base,
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index, function: { arguments: call.function.arguments } }] },
              finish_reason: null,
            },
          ],
        };
      }
    } else {
      for (const piece of splitForStream(choice?.message.content ?? '')) {
        checkAborted(context.signal);
        yield { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
      }
    }
    yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: choice?.finish_reason ?? 'stop' }] };
    yield { ...base, choices: [], usage: whole.usage ?? null };
  }

  async embed(request: EmbeddingRequest, context: ProviderCallContext): Promise<EmbeddingResponse> {
    checkAborted(context.signal);
    const dimensions = request.dimensions ?? LOCAL_EMBED_DIMENSIONS;
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > LOCAL_EMBED_MAX_DIMENSIONS)
      throw new ProviderError('rejected', `dimensions must be 1..${LOCAL_EMBED_MAX_DIMENSIONS}`, 400);
    let tokens = 0;
    const data = request.input.map((text, index) => {
      tokens += countTokens(text);
      return { object: 'embedding' as const, index, embedding: localEmbedding(text, dimensions) };
    });
    return { object: 'list', model: request.model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }
}

function usage(prompt: number, completion: number): TokenUsage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
