import type { ServerResponse } from 'node:http';
import { FakeUpstream, lastUserText, pieces, writeSse, type RecordedRequest } from './fake-upstream.js';

/** Settings of the Anthropic fake. */
export interface AnthropicFakeOptions {
  /** When set, requests must carry `x-api-key: <apiKey>` (else 401 as Anthropic answers). */
  apiKey?: string;
  replyPrefix?: string;
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

interface MessagesBody {
  model?: string;
  max_tokens?: number;
  system?: unknown;
  messages?: { role: string; content: unknown }[];
  tools?: { name: string; input_schema: unknown }[];
  stream?: boolean;
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function hasToolResult(message: { content: unknown } | undefined): boolean {
  return Array.isArray(message?.content) && message.content.some((b: { type?: unknown }) => b.type === 'tool_result');
}

function messages(request: RecordedRequest, res: ServerResponse, prefix: string): void {
  const body = (request.body ?? {}) as MessagesBody;
  if (request.headers['anthropic-version'] === undefined)
    return error(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
  if (!body.model) return error(res, 400, 'invalid_request_error', 'model: Field required');
  if (typeof body.max_tokens !== 'number')
    return error(res, 400, 'invalid_request_error', 'max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return error(res, 400, 'invalid_request_error', 'messages: at least one message is required');
  if (body.messages.some((m) => m.role !== 'user' && m.role !== 'assistant'))
    return error(
      res,
      400,
      'invalid_request_error',
      'messages: roles must be user or assistant (system goes in `system`)',
    );
  const id = `msg_fake${Date.now().toString(36)}`;
  const prompt = lastUserText(body.messages);
  const input = tokens(JSON.stringify(body.messages) + JSON.stringify(body.system ?? ''));
  const tool = body.tools?.[0] && !hasToolResult(body.messages.at(-1)) ? body.tools[0] : undefined;
  const text = tool ? 'Let me check.' : `${prefix}${prompt}`;
  const toolInput = { query: prompt };
  const output = tokens(text) + (tool ? tokens(JSON.stringify(toolInput)) : 0);
  const stopReason = tool ? 'tool_use' : body.max_tokens < 2 ? 'max_tokens' : 'end_turn';
  const content: unknown[] = [{ type: 'text', text }];
  if (tool) content.push({ type: 'tool_use', id: 'toolu_fake1', name: tool.name, input: toolInput });
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' });
    res.end(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: {
          input_tokens: input,
          output_tokens: output,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      }),
    );
    return;
  }
  const ev = (event: string, data: unknown) => ({ event, data: JSON.stringify({ type: event, ...(data as object) }) });
  const events = [
    ev('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        content: [],
        model: body.model,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping', {}),
    ...pieces(text).map((t) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } })),
    ev('content_block_stop', { index: 0 }),
  ];
  if (tool) {
    events.push(
      ev('content_block_start', {
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_fake1', name: tool.name, input: {} },
      }),
    );
    for (const part of pieces(JSON.stringify(toolInput), 7))
      events.push(ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: part } }));
    events.push(ev('content_block_stop', { index: 1 }));
  }
  events.push(
    ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: output } }),
    ev('message_stop', {}),
  );
  writeSse(res, events);
}

/** A fake of Anthropic's Messages API (with streams and tool use) on 127.0.0.1, under `/v1/messages`. */
export function startAnthropicFake(options: AnthropicFakeOptions = {}): Promise<FakeUpstream> {
  const prefix = options.replyPrefix ?? 'reply: ';
  return new FakeUpstream((request, res) => {
    if (options.apiKey !== undefined && request.headers['x-api-key'] !== options.apiKey)
      return error(res, 401, 'authentication_error', 'invalid x-api-key');
    if (request.method === 'POST' && request.path === '/v1/messages') return messages(request, res, prefix);
    return error(res, 404, 'not_found_error', `Not found: ${request.path}`);
  }).start();
}
