import type { ServerResponse } from 'node:http';
import { FakeUpstream, lastUserText, pieces, writeSse, type RecordedRequest } from './fake-upstream.js';

/** Settings of the OpenAI fake. */
export interface OpenAiFakeOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401 as OpenAI answers). */
  apiKey?: string;
  /** Prefix of every answer, so tests can tell two fakes apart. */
  replyPrefix?: string;
}

function error(res: ServerResponse, status: number, type: string, message: string, code: string | null = null): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

interface ChatBody {
  model?: string;
  messages?: { role: string; content: unknown }[];
  tools?: { type: string; function: { name: string } }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function chat(request: RecordedRequest, res: ServerResponse, prefix: string): void {
  const body = (request.body ?? {}) as ChatBody;
  if (!body.model || !Array.isArray(body.messages) || body.messages.length === 0)
    return error(res, 400, 'invalid_request_error', 'model and messages are required');
  const id = `chatcmpl-fake${request.path.length}${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const prompt = lastUserText(body.messages);
  const promptTokens = tokens(JSON.stringify(body.messages));
  const last = body.messages.at(-1);
  // With tools and a user turn last, the fake asks for the first tool; after a tool result it answers in text.
  const tool = body.tools?.[0] && last?.role === 'user' ? body.tools[0].function.name : undefined;
  const text = `${prefix}${prompt}`;
  const args = JSON.stringify({ query: prompt });
  const completionTokens = tool ? tokens(args) : tokens(text);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        system_fingerprint: 'fp_fake',
        choices: [
          {
            index: 0,
            message: tool
              ? {
                  role: 'assistant',
                  content: null,
                  refusal: null,
                  tool_calls: [{ id: 'call_fake1', type: 'function', function: { name: tool, arguments: args } }],
                }
              : { role: 'assistant', content: text, refusal: null },
            logprobs: null,
            finish_reason: tool ? 'tool_calls' : 'stop',
          },
        ],
        usage,
      }),
    );
    return;
  }
  const chunk = (delta: unknown, finish: string | null = null) =>
    JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: body.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  const events: { data: string }[] = [{ data: chunk({ role: 'assistant', content: '' }) }];
  if (tool) {
    events.push({
      data: chunk({
        tool_calls: [{ index: 0, id: 'call_fake1', type: 'function', function: { name: tool, arguments: '' } }],
      }),
    });
    for (const part of pieces(args, 8))
      events.push({ data: chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }) });
    events.push({ data: chunk({}, 'tool_calls') });
  } else {
    for (const part of pieces(text)) events.push({ data: chunk({ content: part }) });
    events.push({ data: chunk({}, 'stop') });
  }
  if (body.stream_options?.include_usage)
    events.push({
      data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage }),
    });
  events.push({ data: '[DONE]' });
  writeSse(res, events);
}

function embeddings(request: RecordedRequest, res: ServerResponse): void {
  const body = (request.body ?? {}) as {
    model?: string;
    input?: unknown;
    dimensions?: number;
    encoding_format?: string;
  };
  const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
  const dims = body.dimensions ?? 8;
  // Deterministic vectors from the text's character codes.
  const vector = (text: string) =>
    Array.from({ length: dims }, (_, i) => ((text.charCodeAt(i % Math.max(1, text.length)) || 0) % 97) / 97);
  const total = inputs.reduce((n, t) => n + tokens(t), 0);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      object: 'list',
      model: body.model,
      data: inputs.map((t, index) => ({
        object: 'embedding',
        index,
        // As OpenAI does: base64 of little-endian float32 when asked (the official client asks by default).
        embedding:
          body.encoding_format === 'base64'
            ? Buffer.from(new Float32Array(vector(t)).buffer).toString('base64')
            : vector(t),
      })),
      usage: { prompt_tokens: total, total_tokens: total },
    }),
  );
}

/** A fake of OpenAI's API (Chat Completions with streams and tools, Embeddings) on 127.0.0.1, under `/v1`. */
export function startOpenAiFake(options: OpenAiFakeOptions = {}): Promise<FakeUpstream> {
  const prefix = options.replyPrefix ?? 'echo: ';
  return new FakeUpstream((request, res) => {
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`)
      return error(res, 401, 'invalid_request_error', 'Incorrect API key provided.', 'invalid_api_key');
    if (request.method === 'POST' && request.path === '/v1/chat/completions') return chat(request, res, prefix);
    if (request.method === 'POST' && request.path === '/v1/embeddings') return embeddings(request, res);
    return error(res, 404, 'invalid_request_error', `Unknown request URL: ${request.method} ${request.path}`);
  }).start();
}
