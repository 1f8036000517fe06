import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/lib/errors/index.js';
import type { OrgId } from '../../src/lib/ids.js';
import {
  createOpenAiProvider,
  invokeWithFallback,
  primeStream,
  ProviderCircuits,
  ProviderError,
  ProviderHttpClient,
  type CircuitStateChange,
} from '../../src/modules/gateway/index.js';
import type { ChatCompletionChunk, ModelTarget } from '../../src/modules/gateway/ports.js';
import type { FakeUpstream } from '../support/fake-upstreams/fake-upstream.js';
import { startOpenAiFake } from '../support/fake-upstreams/openai-fake.js';

const request = { model: 'gpt', messages: [{ role: 'user' as const, content: 'hi' }] };
const context = (signal = new AbortController().signal) => ({ orgId: 'org_t' as OrgId, requestId: 'req_1', signal });

function client(
  overrides: { headersMs?: number; bodyIdleMs?: number; maxRetryAfterMs?: number; maxAttempts?: number } = {},
) {
  const waits: number[] = [];
  const retries: number[] = [];
  const http = new ProviderHttpClient({
    timeouts: { connectMs: 1_000, headersMs: overrides.headersMs ?? 2_000, bodyIdleMs: overrides.bodyIdleMs ?? 2_000 },
    retry: {
      maxAttempts: overrides.maxAttempts ?? 3,
      baseDelayMs: 10,
      maxDelayMs: 40,
      maxRetryAfterMs: overrides.maxRetryAfterMs ?? 1_500,
    },
    connectionsPerOrigin: 4,
    maxResponseBytes: 1_000_000,
    // Records each jittered draw; the waits themselves are real.
    random: () => {
      waits.push(0.5);
      return 0.5;
    },
    onRetry: (r) => retries.push(r.waitMs),
  });
  return { http, waits, retries };
}

describe('outbound retries (undici against a real local fake)', () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startOpenAiFake();
  });
  afterAll(async () => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('retries a 503 and answers from the next attempt', async () => {
    const { http, waits, retries } = client();
    fake.failNext({ kind: 'status', status: 503 });
    const provider = createOpenAiProvider({ baseUrl: `${fake.url}/v1`, credential: 'k-123456', options: {} }, http);
    const done = await provider.chat(request, context());
    expect(done.choices[0]?.message.content).toBe('echo: hi');
    expect(fake.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(retries).toEqual([5]); // full jitter: 0.5 of the first bound (10 ms)
    await http.close();
  });

  it('never retries a 400', async () => {
    const { http } = client();
    fake.failNext({ kind: 'status', status: 400, body: { error: { message: 'bad', type: 'invalid_request_error' } } });
    const provider = createOpenAiProvider({ baseUrl: `${fake.url}/v1`, credential: 'k-123456', options: {} }, http);
    const error = await provider.chat(request, context()).catch((e: unknown) => e);
    expect((error as ProviderError).failure).toBe('rejected');
    expect(fake.requests).toHaveLength(1);
    await http.close();
  });

  it('honours Retry-After on a 429 (waits that long, not the jitter) and gives up when it exceeds the cap', async () => {
    const { http, waits, retries } = client();
    const provider = createOpenAiProvider({ baseUrl: `${fake.url}/v1`, credential: 'k-123456', options: {} }, http);
    fake.failNext({ kind: 'status', status: 429, retryAfter: '1' });
    await provider.chat(request, context());
    expect(retries).toEqual([1_000]);
    expect(waits).toHaveLength(0); // the jitter was not drawn: the upstream's wait was used
    expect(fake.requests).toHaveLength(2);

    fake.requests.length = 0;
    fake.failNext({ kind: 'status', status: 429, retryAfter: '120' });
    const error = await provider.chat(request, context()).catch((e: unknown) => e);
    expect([(error as ProviderError).failure, (error as ProviderError).retryAfterSeconds]).toEqual([
      'rate_limited',
      120,
    ]);
    expect(fake.requests).toHaveLength(1);
    await http.close();
  });

  it('retries a connection reset, and stops after maxAttempts', async () => {
    const { http } = client({ maxAttempts: 3 });
    const provider = createOpenAiProvider({ baseUrl: `${fake.url}/v1`, credential: 'k-123456', options: {} }, http);
    fake.failNext({ kind: 'reset' });
    expect((await provider.chat(request, context())).choices[0]?.message.content).toBe('echo: hi');
    fake.requests.length = 0;
    fake.failNext({ kind: 'reset' }, { kind: 'reset' }, { kind: 'reset' });
    const error = await provider.chat(request, context()).catch((e: unknown) => e);
    expect((error as ProviderError).failure).toBe('unreachable');
    expect(fake.requests).toHaveLength(3);
    expect(fake.pendingFailures).toBe(0);
    await http.close();
  });

  it('a hanging upstream fails with the headers timeout as unreachable', async () => {
    const { http } = client({ headersMs: 300, maxAttempts: 1 });
    const provider = createOpenAiProvider({ baseUrl: `${fake.url}/v1`, credential: 'k-123456', options: {} }, http);
    fake.failNext({ kind: 'hang' });
    const error = await provider.chat(request, context()).catch((e: unknown) => e);
    expect((error as ProviderError).failure).toBe('unreachable');
    expect((error as Error).message).toMatch(/HEADERS_TIMEOUT|Headers Timeout/i);
    await http.close();
  });

  it('the caller’s AbortSignal ends the call at once and is not retried', async () => {
    const { http } = client({ headersMs: 10_000 });
    const provider = createOpenAiProvider({ baseUrl: `${fake.url}/v1`, credential: 'k-123456', options: {} }, http);
    fake.failNext({ kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('client went away')), 100);
    const error = await provider.chat(request, context(controller.signal)).catch((e: unknown) => e);
    expect((error as Error).name).toBe('ProviderCallAborted');
    expect(fake.requests).toHaveLength(1);
    await http.close();
  });

  it('a stream that fails after it started yielding is not retried', async () => {
    const { http } = client();
    const provider = createOpenAiProvider({ baseUrl: `${fake.url}/v1`, credential: 'k-123456', options: {} }, http);
    const first = {
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt',
      choices: [{ index: 0, delta: { content: 'par' }, finish_reason: null }],
    };
    fake.failNext({ kind: 'cut_stream', after: `data: ${JSON.stringify(first)}\n\n` });
    const seen: ChatCompletionChunk[] = [];
    const error = await (async () => {
      for await (const c of provider.chatStream(request, context())) seen.push(c);
    })().catch((e: unknown) => e);
    expect(seen.map((c) => c.choices[0]?.delta.content)).toEqual(['par']);
    expect(error).toBeInstanceOf(ProviderError);
    expect(fake.requests).toHaveLength(1);
    await http.close();
  });

  it('a stream refused with 503 before any event is retried', async () => {
    const { http } = client();
    const provider = createOpenAiProvider({ baseUrl: `${fake.url}/v1`, credential: 'k-123456', options: {} }, http);
    fake.failNext({ kind: 'status', status: 503 });
    let text = '';
    for await (const c of provider.chatStream(request, context())) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: hi');
    expect(fake.requests).toHaveLength(2);
    await http.close();
  });
});

describe('circuit breakers and the fallback chain', () => {
  let primary: FakeUpstream;
  let backup: FakeUpstream;
  let http: ProviderHttpClient;
  let targets: ModelTarget[];
  beforeAll(async () => {
    primary = await startOpenAiFake({ replyPrefix: 'primary: ' });
    backup = await startOpenAiFake({ replyPrefix: 'backup: ' });
    http = client({ maxAttempts: 1 }).http;
    targets = [
      {
        provider: createOpenAiProvider({ baseUrl: `${primary.url}/v1`, credential: 'k-primary', options: {} }, http),
        upstreamModel: 'gpt',
        circuitKey: 'org/prv_a/gpt',
      },
      {
        provider: createOpenAiProvider({ baseUrl: `${backup.url}/v1`, credential: 'k-backup', options: {} }, http),
        upstreamModel: 'gpt',
        circuitKey: 'org/prv_b/gpt',
      },
    ];
  });
  afterAll(async () => {
    await http.close();
    await primary.close();
    await backup.close();
  });

  it('falls back on a retryable failure, opens the circuit after repeated failures, skips it, and closes it after a half-open probe', async () => {
    const changes: CircuitStateChange[] = [];
    const circuits = new ProviderCircuits(
      {
        errorThresholdPercentage: 50,
        volumeThreshold: 3,
        rollingWindowMs: 10_000,
        resetTimeoutMs: 400,
        maxCircuits: 100,
      },
      (c) => changes.push(c),
    );
    const call = (t: ModelTarget) => t.provider.chat({ ...request, model: t.upstreamModel }, context());
    primary.failNext(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 500 })));
    for (let i = 0; i < 3; i += 1) {
      const result = await invokeWithFallback(circuits, targets, call);
      expect(result.value.choices[0]?.message.content).toBe('backup: hi');
      expect(result.attempts.map((a) => a.outcome)).toEqual(['failed', 'answered']);
    }
    expect(circuits.state('org/prv_a/gpt')).toBe('open');
    expect(changes).toContainEqual({ circuitKey: 'org/prv_a/gpt', state: 'open' });

    // Open: the primary is not called at all.
    const before = primary.requests.length;
    const skipped = await invokeWithFallback(circuits, targets, call);
    expect(skipped.attempts.map((a) => a.outcome)).toEqual(['circuit_open', 'answered']);
    expect(skipped.target.circuitKey).toBe('org/prv_b/gpt');
    expect(primary.requests.length).toBe(before);

    // After the reset timeout one probe goes through; it succeeds and the circuit closes.
    await new Promise((r) => setTimeout(r, 500));
    expect(circuits.state('org/prv_a/gpt')).toBe('half_open');
    const probe = await invokeWithFallback(circuits, targets, call);
    expect(probe.value.choices[0]?.message.content).toBe('primary: hi');
    expect(circuits.state('org/prv_a/gpt')).toBe('closed');
    expect(changes.map((c) => c.state)).toEqual(['open', 'half_open', 'closed']);
    circuits.close();
  });

  it('4xx failures neither open the circuit nor fall back', async () => {
    const circuits = new ProviderCircuits({
      errorThresholdPercentage: 50,
      volumeThreshold: 2,
      rollingWindowMs: 10_000,
      resetTimeoutMs: 10_000,
      maxCircuits: 10,
    });
    const backupBefore = backup.requests.length;
    for (let i = 0; i < 4; i += 1) {
      primary.failNext({
        kind: 'status',
        status: 400,
        body: { error: { message: 'bad', type: 'invalid_request_error' } },
      });
      const error = await invokeWithFallback(circuits, targets, (t) => t.provider.chat(request, context())).catch(
        (e: unknown) => e,
      );
      expect(isAppError(error, 'gateway.upstream_rejected')).toBe(true);
    }
    expect(circuits.state('org/prv_a/gpt')).toBe('closed');
    expect(backup.requests.length).toBe(backupBefore);
    circuits.close();
  });

  it('every circuit open is gateway.circuit_open; every target failing is gateway.provider_unavailable', async () => {
    const circuits = new ProviderCircuits({
      errorThresholdPercentage: 10,
      volumeThreshold: 1,
      rollingWindowMs: 10_000,
      resetTimeoutMs: 10_000,
      maxCircuits: 10,
    });
    primary.failNext({ kind: 'reset' });
    backup.failNext({ kind: 'reset' });
    const down = await invokeWithFallback(circuits, targets, (t) => t.provider.chat(request, context())).catch(
      (e: unknown) => e,
    );
    expect(isAppError(down, 'gateway.provider_unavailable')).toBe(true);
    const open = await invokeWithFallback(circuits, targets, (t) => t.provider.chat(request, context())).catch(
      (e: unknown) => e,
    );
    expect(isAppError(open, 'gateway.circuit_open')).toBe(true);
    circuits.close();
  });

  it('a stream falls back when it fails before its first chunk (primeStream)', async () => {
    const circuits = new ProviderCircuits();
    primary.failNext({ kind: 'status', status: 502 });
    const result = await invokeWithFallback(circuits, targets, (t) =>
      primeStream(t.provider.chatStream(request, context())),
    );
    let text = '';
    for await (const c of result.value) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('backup: hi');
    circuits.close();
  });
});
