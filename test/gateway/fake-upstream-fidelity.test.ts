import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../support/fake-upstreams/anthropic-fake.js';
import type { FakeUpstream } from '../support/fake-upstreams/fake-upstream.js';
import { startOpenAiFake } from '../support/fake-upstreams/openai-fake.js';

// The fakes stand in for the real APIs in the adapter tests; the official SDKs parsing them (types, streams, tool
// calls, errors) is the check that they speak the real wire formats.
const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather',
    parameters: { type: 'object', properties: { query: { type: 'string' } } },
  },
};

describe('the OpenAI fake speaks what the official openai client expects', () => {
  let fake: FakeUpstream;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startOpenAiFake({ apiKey: 'sk-fake-openai' });
    client = new OpenAI({ apiKey: 'sk-fake-openai', baseURL: `${fake.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => fake.close());

  it('chat, usage, tools, streaming with usage, embeddings', async () => {
    const done = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] });
    expect(done.choices[0]?.message.content).toBe('echo: hi');
    expect(done.usage?.total_tokens).toBeGreaterThan(0);

    const tool = await client.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'rain?' }],
      tools: [weatherTool],
    });
    expect(tool.choices[0]?.finish_reason).toBe('tool_calls');
    const call = tool.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : null).toEqual({ query: 'rain?' });

    const stream = await client.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage?.total_tokens ?? usage;
    }
    expect(text).toBe('echo: stream me');
    expect(usage).toBeGreaterThan(0);

    const runner = client.chat.completions.stream({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'q' }],
      tools: [weatherTool],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      function: { name: 'get_weather', arguments: '{"query":"q"}' },
    });

    const emb = await client.embeddings.create({ model: 'emb-x', input: ['a', 'bb'] });
    expect(emb.data).toHaveLength(2);
    expect(emb.data[1]?.embedding).toHaveLength(8);
  });

  it('errors arrive as the client error classes', async () => {
    fake.failNext({ kind: 'status', status: 429, retryAfter: '1' });
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const wrong = new OpenAI({ apiKey: 'wrong', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    await expect(
      wrong.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('the Anthropic fake speaks what @anthropic-ai/sdk expects', () => {
  let fake: FakeUpstream;
  let client: Anthropic;
  beforeAll(async () => {
    fake = await startAnthropicFake({ apiKey: 'sk-ant-fake' });
    client = new Anthropic({ apiKey: 'sk-ant-fake', baseURL: fake.url, maxRetries: 0 });
  });
  afterAll(async () => fake.close());

  it('messages, tool use, streaming events with tool input deltas', async () => {
    const message = await client.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'reply: hello' });
    expect(message.stop_reason).toBe('end_turn');
    expect(fake.requests.at(-1)?.headers['anthropic-version']).toBeDefined();

    const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: {} } }];
    const tool = await client.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'rain?' }],
      tools,
    });
    expect(tool.stop_reason).toBe('tool_use');
    expect(tool.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { query: 'rain?' } });

    const stream = client.messages.stream({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'rain?' }],
      tools,
    });
    const final = await stream.finalMessage();
    expect(final.content[1]).toMatchObject({ type: 'tool_use', input: { query: 'rain?' } });
    expect(final.usage.output_tokens).toBeGreaterThan(1);
    expect(final.stop_reason).toBe('tool_use');
  });

  it('errors arrive as the SDK error classes', async () => {
    await expect(
      client.messages.create({ model: 'c', messages: [{ role: 'user', content: 'x' }] } as never),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const wrong = new Anthropic({ apiKey: 'nope', baseURL: fake.url, maxRetries: 0 });
    await expect(
      wrong.messages.create({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});
