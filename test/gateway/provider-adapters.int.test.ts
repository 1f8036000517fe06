import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrgId } from '../../src/lib/ids.js';
import {
  createAnthropicProvider,
  createOpenAiCompatibleProvider,
  createOpenAiProvider,
  ProviderError,
  ProviderHttpClient,
} from '../../src/modules/gateway/index.js';
import type { ChatCompletionChunk, ChatRequest, ModelProvider } from '../../src/modules/gateway/ports.js';
import { startAnthropicFake } from '../support/fake-upstreams/anthropic-fake.js';
import type { FakeUpstream } from '../support/fake-upstreams/fake-upstream.js';
import { startOpenAiFake } from '../support/fake-upstreams/openai-fake.js';

const context = () => ({ orgId: 'org_test' as OrgId, requestId: 'req_1', signal: new AbortController().signal });
const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather by place',
      parameters: { type: 'object', properties: { query: { type: 'string' } } },
    },
  },
];

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

/** Text, tool calls (arguments joined by index), finish reason and usage of a streamed answer. */
function assemble(chunks: ChatCompletionChunk[]) {
  let text = '';
  let finish: string | null = null;
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const c of chunks)
    for (const choice of c.choices) {
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
      for (const t of choice.delta.tool_calls ?? []) {
        const call = calls.get(t.index) ?? { id: '', name: '', arguments: '' };
        if (t.id) call.id = t.id;
        if (t.function?.name) call.name = t.function.name;
        call.arguments += t.function?.arguments ?? '';
        calls.set(t.index, call);
      }
    }
  return { text, finish, calls: [...calls.values()], usage: chunks.at(-1)?.usage ?? null };
}

let http: ProviderHttpClient;
beforeAll(() => {
  http = new ProviderHttpClient({
    timeouts: { connectMs: 2_000, headersMs: 2_000, bodyIdleMs: 2_000 },
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 },
    connectionsPerOrigin: 4,
    maxResponseBytes: 1_000_000,
  });
});
afterAll(async () => http.close());

describe('openai adapter against the OpenAI fake', () => {
  let fake: FakeUpstream;
  let provider: ModelProvider;
  beforeAll(async () => {
    fake = await startOpenAiFake({ apiKey: 'sk-openai-test-123456' });
    provider = createOpenAiProvider(
      { baseUrl: `${fake.url}/v1`, credential: 'sk-openai-test-123456', options: { organization: 'org-acme' } },
      http,
    );
  });
  afterAll(async () => fake.close());

  it('chat: sends the key, the organization and only the chat fields; maps the answer and usage', async () => {
    const request: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], temperature: 0.2 };
    const done = await provider.chat(request, context());
    expect(done.choices[0]?.message.content).toBe('echo: hello');
    expect(done.choices[0]?.finish_reason).toBe('stop');
    expect(done.usage?.total_tokens).toBe((done.usage?.prompt_tokens ?? 0) + (done.usage?.completion_tokens ?? 0));
    const seen = fake.requests.at(-1);
    expect(seen?.headers.authorization).toBe('Bearer sk-openai-test-123456');
    expect(seen?.headers['openai-organization']).toBe('org-acme');
    expect(seen?.body).toEqual({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], temperature: 0.2 });
  });

  it('tools both ways: a tool call comes back, a tool result goes up as a tool message', async () => {
    const first = await provider.chat(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'rain in Oslo?' }], tools },
      context(),
    );
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.function).toEqual({ name: 'get_weather', arguments: '{"query":"rain in Oslo?"}' });
    const second = await provider.chat(
      {
        model: 'gpt-4o',
        tools,
        messages: [
          { role: 'user', content: 'rain in Oslo?' },
          { role: 'assistant', content: null, tool_calls: call ? [call] : [] },
          { role: 'tool', tool_call_id: call?.id ?? '', content: 'light rain' },
        ],
      },
      context(),
    );
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect((fake.requests.at(-1)?.body as { messages: unknown[] }).messages[2]).toEqual({
      role: 'tool',
      tool_call_id: 'call_fake1',
      content: 'light rain',
    });
  });

  it('stream: content chunks, tool-call deltas and the usage chunk (include_usage asked for)', async () => {
    const text = assemble(
      await collect(
        provider.chatStream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'stream it' }] }, context()),
      ),
    );
    expect(text.text).toBe('echo: stream it');
    expect(text.finish).toBe('stop');
    expect(text.usage?.total_tokens).toBeGreaterThan(0);
    expect((fake.requests.at(-1)?.body as Record<string, unknown>).stream_options).toEqual({ include_usage: true });
    const tool = assemble(
      await collect(
        provider.chatStream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'q' }], tools }, context()),
      ),
    );
    expect(tool.calls).toEqual([{ id: 'call_fake1', name: 'get_weather', arguments: '{"query":"q"}' }]);
    expect(tool.finish).toBe('tool_calls');
  });

  it('embeddings as float vectors', async () => {
    const e = await provider.embed({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 4 }, context());
    expect(e.data.map((d) => d.embedding.length)).toEqual([4, 4]);
    expect((fake.requests.at(-1)?.body as Record<string, unknown>).encoding_format).toBe('float');
  });

  it('errors: a wrong key is rejected (401, not retried) and the key never appears in the message', async () => {
    const wrong = createOpenAiProvider(
      { baseUrl: `${fake.url}/v1`, credential: 'sk-wrong-key-999', options: {} },
      http,
    );
    const before = fake.requests.length;
    const error = await wrong
      .chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).failure).toBe('rejected');
    expect((error as ProviderError).upstreamStatus).toBe(401);
    expect(fake.requests.length - before).toBe(1);
    expect(String((error as Error).message)).not.toContain('sk-wrong-key-999');
  });
});

describe('openai-compatible adapter (vLLM, Ollama, LM Studio, TGI by base URL)', () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startOpenAiFake();
  });
  afterAll(async () => fake.close());

  it('works without a key and sends no Authorization header', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${fake.url}/v1`, credential: null, options: {} }, http);
    expect(provider.kind).toBe('openai-compatible');
    const done = await provider.chat({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }, context());
    expect(done.choices[0]?.message.content).toBe('echo: hi');
    expect(fake.requests.at(-1)?.headers.authorization).toBeUndefined();
  });
});

describe('anthropic adapter against the Anthropic Messages fake', () => {
  let fake: FakeUpstream;
  let provider: ModelProvider;
  beforeAll(async () => {
    fake = await startAnthropicFake({ apiKey: 'sk-ant-test-abcdef' });
    provider = createAnthropicProvider({ baseUrl: fake.url, credential: 'sk-ant-test-abcdef', options: {} }, http);
  });
  afterAll(async () => fake.close());

  it('maps system messages to `system`, defaults max_tokens, sends x-api-key and anthropic-version', async () => {
    const done = await provider.chat(
      {
        model: 'claude-sonnet',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: 'No emojis.' },
          { role: 'user', content: 'hello' },
        ],
        stop: 'END',
        user: 'u1',
      },
      context(),
    );
    expect(done.choices[0]?.message.content).toBe('reply: hello');
    expect(done.choices[0]?.finish_reason).toBe('stop');
    expect(done.usage?.prompt_tokens).toBeGreaterThan(0);
    const seen = fake.requests.at(-1);
    expect(seen?.headers['x-api-key']).toBe('sk-ant-test-abcdef');
    expect(seen?.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen?.body).toEqual({
      model: 'claude-sonnet',
      max_tokens: 4096,
      system: 'Be brief.\n\nNo emojis.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
      stop_sequences: ['END'],
      metadata: { user_id: 'u1' },
    });
  });

  it('tools both ways: tool_use → tool_calls; tool_calls and tool results → tool_use and tool_result blocks', async () => {
    const first = await provider.chat(
      { model: 'claude', messages: [{ role: 'user', content: 'rain?' }], tools, tool_choice: 'required' },
      context(),
    );
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(call).toEqual({
      id: 'toolu_fake1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"query":"rain?"}' },
    });
    const sent = fake.requests.at(-1)?.body as Record<string, unknown>;
    expect(sent.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather by place',
        input_schema: { type: 'object', properties: { query: { type: 'string' } } },
      },
    ]);
    expect(sent.tool_choice).toEqual({ type: 'any' });

    const second = await provider.chat(
      {
        model: 'claude',
        tools,
        max_tokens: 50,
        messages: [
          { role: 'user', content: 'rain?' },
          { role: 'assistant', content: 'Let me check.', tool_calls: call ? [call] : [] },
          { role: 'tool', tool_call_id: 'toolu_fake1', content: 'light rain' },
        ],
      },
      context(),
    );
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect((fake.requests.at(-1)?.body as { messages: unknown; max_tokens: number }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'rain?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_fake1', name: 'get_weather', input: { query: 'rain?' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_fake1', content: 'light rain' }] },
    ]);
  });

  it('maps stop reasons (max_tokens → length)', async () => {
    const done = await provider.chat(
      { model: 'claude', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] },
      context(),
    );
    expect(done.choices[0]?.finish_reason).toBe('length');
  });

  it('stream: message_start, text deltas, tool_use input_json deltas, message_delta and usage as chat chunks', async () => {
    const chunks = await collect(
      provider.chatStream({ model: 'claude', messages: [{ role: 'user', content: 'rain?' }], tools }, context()),
    );
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const got = assemble(chunks);
    expect(got.text).toBe('Let me check.');
    expect(got.calls).toEqual([{ id: 'toolu_fake1', name: 'get_weather', arguments: '{"query":"rain?"}' }]);
    expect(got.finish).toBe('tool_calls');
    expect(got.usage?.completion_tokens).toBeGreaterThan(1);
    expect(got.usage?.total_tokens).toBe((got.usage?.prompt_tokens ?? 0) + (got.usage?.completion_tokens ?? 0));
    expect(chunks.every((c) => c.id.startsWith('msg_fake'))).toBe(true);
    const plain = assemble(
      await collect(provider.chatStream({ model: 'claude', messages: [{ role: 'user', content: 'hey' }] }, context())),
    );
    expect([plain.text, plain.finish]).toEqual(['reply: hey', 'stop']);
  });

  it('embeddings are refused as rejected, without a call upstream', async () => {
    const before = fake.requests.length;
    const error = await provider.embed({ model: 'claude', input: ['x'] }, context()).catch((e: unknown) => e);
    expect((error as ProviderError).failure).toBe('rejected');
    expect(fake.requests.length).toBe(before);
  });

  it('an upstream 400 is rejected and a 529 overload is an upstream error', async () => {
    const bad = await provider
      .chat({ model: 'claude', messages: [{ role: 'system', content: 'only system' }] }, context())
      .catch((e: unknown) => e);
    expect((bad as ProviderError).failure).toBe('rejected');
    fake.failNext(
      {
        kind: 'status',
        status: 529,
        body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      },
      { kind: 'status', status: 529 },
      { kind: 'status', status: 529 },
    );
    const overloaded = await provider
      .chat({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }, context())
      .catch((e: unknown) => e);
    expect((overloaded as ProviderError).failure).toBe('upstream_error');
  });
});
