import OpenAI, {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_LABEL, ProviderError } from '../../src/modules/gateway/index.js';
import { backendName } from '../support/test-db.js';
import { ScriptedProvider, startGateway, type GatewayKit } from './gateway-test-kit.js';

// The official `openai` client (v6), pointed at an in-process Bulwark on 127.0.0.1 with an API key, against the
// built-in `local` provider (plus two scripted providers for upstream failures).
describe(`openai client compatibility (${backendName})`, () => {
  let kit: GatewayKit;
  let client: OpenAI;
  const model = 'bulwark-local-chat';
  const weather = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, days: { type: 'integer' } },
        required: ['city'],
      },
    },
  };

  beforeAll(async () => {
    kit = await startGateway({
      configure: (catalog) =>
        catalog
          .add('busy-model', new ScriptedProvider({ fail: new ProviderError('rate_limited', 'slow down', 429, 7) }))
          .add('broken-model', new ScriptedProvider({ fail: new ProviderError('upstream_error', 'boom', 500) })),
    });
    client = new OpenAI({ apiKey: kit.a.ownerKey, baseURL: kit.baseURL, maxRetries: 0 });
  }, 120_000);
  afterAll(async () => kit.close());

  it('chat: a labelled, deterministic answer with usage', async () => {
    const ask = () =>
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello there, gateway' }] });
    const first = await ask();
    const second = await ask();
    expect(first.object).toBe('chat.completion');
    expect(first.model).toBe(model);
    expect(first.choices[0]?.message.content).toContain(LOCAL_LABEL);
    expect(first.choices[0]?.message.content).toContain('Hello there, gateway');
    expect(first.choices[0]?.finish_reason).toBe('stop');
    expect(first.usage?.total_tokens).toBeGreaterThan(0);
    expect(second.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    expect(second.id).toBe(first.id);
  });

  it('chat streaming: several chunks, the same text, usage on the last chunk', async () => {
    const messages = [
      { role: 'user' as const, content: 'Tell me something about streaming responses in small pieces' },
    ];
    const whole = await client.chat.completions.create({ model, messages });
    const stream = await client.chat.completions.create({
      model,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let contentChunks = 0;
    let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        text += delta;
        contentChunks += 1;
      }
      last = chunk;
    }
    expect(contentChunks).toBeGreaterThan(1);
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
  });

  it('chat streaming without include_usage sends no usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is a good name for a pet turtle?' }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('tools: a deterministic tool call, then an answer from the tool result', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Please call get_weather for city: Paris' },
    ];
    const called = await client.chat.completions.create({ model, messages, tools: [weather] });
    const call = called.choices[0]?.message.tool_calls?.[0];
    expect(called.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('no function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', days: 1 });
    const answered = await client.chat.completions.create({
      model,
      tools: [weather],
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' },
      ],
    });
    expect(answered.choices[0]?.message.content).toContain('sunny, 21 C');

    const forced = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'anything' }],
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(forced.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'get_weather' } });
    const none = await client.chat.completions.create({ model, messages, tools: [weather], tool_choice: 'none' });
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('tools in a stream: the call arrives after the scan, with its arguments', async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'use get_weather, city: Oslo' }],
      tools: [weather],
      stream: true,
    });
    let name = '';
    let args = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toMatchObject({ city: 'Oslo' });
    expect(finish).toBe('tool_calls');
  });

  it('responses: text input, instructions, output_text', async () => {
    const response = await client.responses.create({
      model,
      input: 'Say hello to the responses API',
      instructions: 'Be brief.',
    });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.instructions).toBe('Be brief.');
    expect(response.output_text).toContain(LOCAL_LABEL);
    expect(response.output_text).toContain('Say hello to the responses API');
    expect(response.usage?.total_tokens).toBeGreaterThan(0);

    const messages = await client.responses.create({
      model,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'message input works' }] }],
    });
    expect(messages.output_text).toContain('message input works');
  });

  it('responses: tools pass through as function_call output items', async () => {
    const response = await client.responses.create({
      model,
      input: 'call get_weather with city: Rome',
      tools: [{ type: 'function', name: 'get_weather', parameters: weather.function.parameters, strict: false }],
    });
    const call = response.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
    if (call?.type !== 'function_call') throw new Error('no function call');
    expect(JSON.parse(call.arguments)).toMatchObject({ city: 'Rome' });
    const followUp = await client.responses.create({
      model,
      input: [
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: 'rainy' },
      ],
    });
    expect(followUp.output_text).toContain('rainy');
  });

  it('responses streaming: OpenAI event names, deltas that add up to the final text', async () => {
    const stream = await client.responses.create({
      model,
      input: 'Stream this answer in several small pieces please',
      stream: true,
    });
    const types: string[] = [];
    let deltas = '';
    let done = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
      if (event.type === 'response.output_text.done') done = event.text;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_item.added');
    expect(types.filter((t) => t === 'response.output_text.delta').length).toBeGreaterThan(1);
    expect(types.at(-1)).toBe('response.completed');
    expect(deltas).toBe(done);
    expect(completed?.output_text ?? completed?.output).toBeTruthy();
    expect(completed?.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('embeddings: base64 (the client default) and float, deterministic unit vectors, dimensions', async () => {
    const viaBase64 = await client.embeddings.create({
      model: 'bulwark-local-embed',
      input: ['the cat sat', 'a dog ran'],
    });
    const viaFloat = await client.embeddings.create({
      model: 'bulwark-local-embed',
      input: 'the cat sat',
      encoding_format: 'float',
    });
    expect(viaBase64.data).toHaveLength(2);
    const vector = viaBase64.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(256);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    const float = viaFloat.data[0]?.embedding ?? [];
    for (const [i, value] of float.entries()) expect(vector[i]).toBeCloseTo(value, 6);
    const small = await client.embeddings.create({
      model: 'bulwark-local-embed',
      input: 'x',
      dimensions: 32,
      encoding_format: 'float',
    });
    expect(small.data[0]?.embedding).toHaveLength(32);
    expect(viaBase64.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('models: the models the caller may invoke; none for a key that may not', async () => {
    const ids = [];
    for await (const entry of client.models.list()) ids.push(entry.id);
    expect(ids).toEqual(expect.arrayContaining(['bulwark-local-chat', 'bulwark-local-embed']));
    const viewer = new OpenAI({
      apiKey: await kit.keyFor('viewer', ['read:models']),
      baseURL: kit.baseURL,
      maxRetries: 0,
    });
    const seen = [];
    for await (const entry of viewer.models.list()) seen.push(entry.id);
    expect(seen).toEqual([]);
  });

  it('errors: each class the client raises, in OpenAI shape', async () => {
    const chat = (c: OpenAI, body: Partial<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming> = {}) =>
      c.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'What is a good name for a pet turtle?' }],
        ...body,
      });

    const anonymous = new OpenAI({ apiKey: 'bwk_test_not-a-key', baseURL: kit.baseURL, maxRetries: 0 });
    await expect(chat(anonymous)).rejects.toBeInstanceOf(AuthenticationError);

    const reader = new OpenAI({
      apiKey: await kit.keyFor('developer', ['read:models']),
      baseURL: kit.baseURL,
      maxRetries: 0,
    });
    const denied = await chat(reader).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect((denied as PermissionDeniedError).code).toBe('authz.scope_missing');

    const missing = await chat(client, { model: 'gpt-nonexistent' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).code).toBe('model_not_found');
    expect((missing as NotFoundError).param).toBe('model');
    // An embedding model is not a chat model.
    await expect(chat(client, { model: 'bulwark-local-embed' })).rejects.toBeInstanceOf(NotFoundError);

    const bad = await chat(client, { messages: [] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect((bad as BadRequestError).param).toBe('messages');
    const badTemp = await chat(client, { temperature: 9 }).catch((e: unknown) => e);
    expect((badTemp as BadRequestError).param).toBe('temperature');

    const blocked = await chat(client, {
      messages: [{ role: 'user', content: 'my key is AKIAZ7Q3M4N5P6R2T8WX, keep it safe' }],
    }).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(UnprocessableEntityError);
    expect((blocked as UnprocessableEntityError).code).toBe('gateway.guardrail_blocked');

    const crossTenant = await chat(client, {
      messages: [{ role: 'user', content: `show me the data of ${kit.b.orgId}` }],
    }).catch((e: unknown) => e);
    expect(crossTenant).toBeInstanceOf(PermissionDeniedError);
    expect((crossTenant as PermissionDeniedError).code).toBe('gateway.cross_tenant_request');

    const limited = await chat(client, { model: 'busy-model' }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).code).toBe('gateway.provider_rate_limited');

    const broken = await chat(client, { model: 'broken-model' }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(InternalServerError);
    expect((broken as InternalServerError).status).toBe(502);
    expect((broken as InternalServerError).message).not.toContain('boom');
  });

  it('records one gateway event per request with every step', async () => {
    const { data, response: raw } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'audit me' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toContain('audit me');
    const requestId = raw.headers.get('x-request-id');
    const events = (await kit.events('gateway.request.')).filter((e) => e.request_id === requestId);
    expect(events).toHaveLength(1);
    expect(events[0]?.action).toBe('gateway.request.completed');
    const steps = (events[0]?.details.steps as { step: string; decision: string }[]).map(
      (s) => `${s.step}:${s.decision}`,
    );
    expect(steps).toEqual([
      'model:resolved',
      'cross_tenant:allow',
      'input_guard:allow',
      'policy:allow',
      'meter_reserve:reserved',
      'provider:answered',
      'output_guard:allow',
      'meter_settle:settled',
    ]);
    expect(JSON.stringify(events)).not.toContain('audit me');
  });

  // The output verdict commits with the settlement: it must still be stored, once, for a call and for a stream.
  it('stores both scan verdicts of a call and of a stream, once each, with the request event', async () => {
    const ids: (string | null)[] = [];
    const { response: raw } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'verdicts please' }] })
      .withResponse();
    ids.push(raw.headers.get('x-request-id'));
    const { data: stream, response: streamed } = await client.chat.completions
      .create({ model, stream: true, messages: [{ role: 'user', content: 'streamed verdicts' }] })
      .withResponse();
    for await (const _chunk of stream) void _chunk;
    ids.push(streamed.headers.get('x-request-id'));
    for (const requestId of ids) {
      const events = (await kit.events('')).filter((e) => e.request_id === requestId);
      const scans = events.filter((e) => e.action === 'guard.scan.completed').map((e) => e.details.hook);
      expect(scans.sort()).toEqual(['input', 'output']);
      expect(events.filter((e) => e.action === 'gateway.request.completed')).toHaveLength(1);
    }
  });
});
