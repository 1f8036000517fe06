import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  ProviderCallContext,
} from '../../src/modules/gateway/index.js';
import { RecordingProvider, startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: knock out (or outrun) the guard's embedding worker, hoping prompts then go upstream unscanned. They must not:
// the call is refused, and as the outage it is (503, retryable, Retry-After), not as a verdict on the prompt.
describe(`an injection-detector outage fails closed as a retryable 503 (${backendName})`, () => {
  let kit: GatewayKit;
  const upstream = new RecordingProvider();

  beforeAll(async () => {
    kit = await startGateway({ local: upstream });
    await kit.server.runtime.services.guard.close();
  }, 120_000);
  afterAll(async () => kit.close());

  it.each([false, true])('refuses a prompt (stream: %s) before it reaches the provider', async (stream) => {
    const res = await apiClient(kit.server.app)(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: 'What is a good name for a turtle?' }],
      ...(stream ? { stream } : {}),
    });
    expect([res.statusCode, res.json().error.code, res.headers['retry-after']]).toEqual([
      503,
      'guard.detector_unavailable',
      '1',
    ]);
    expect(upstream.received).toEqual([]);
  });
});

// The same outage after the prompt was scanned: the provider answers, then the moderation detector cannot scan the
// answer. The answer is withheld (fail closed) as a retryable 503, and nothing goes to the quarantine: an outage
// would otherwise fill the review queue with one held answer per request that nothing found risky.
describe(`a moderation-detector outage withholds the answer as a 503 and quarantines nothing (${backendName})`, () => {
  let kit: GatewayKit;
  // Knocks the guard's embedding workers out while the upstream answers, so only the output scan meets the outage.
  class OutageDuringCall extends RecordingProvider {
    override async chat(request: ChatRequest, context: ProviderCallContext): Promise<ChatCompletion> {
      await kit.server.runtime.services.guard.close();
      return super.chat(request, context);
    }
    override async *chatStream(request: ChatRequest, context: ProviderCallContext): AsyncIterable<ChatCompletionChunk> {
      await kit.server.runtime.services.guard.close();
      yield* super.chatStream(request, context);
    }
  }
  let upstream: OutageDuringCall;

  // A node per case: a closed embedding pool stays closed.
  beforeEach(async () => {
    upstream = new OutageDuringCall();
    kit = await startGateway({ local: upstream });
  }, 120_000);
  afterEach(async () => kit.close());

  it.each([false, true])('withholds the answer (stream: %s)', async (stream) => {
    const call = apiClient(kit.server.app);
    const res = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: 'What is a good name for a turtle?' }],
      ...(stream ? { stream } : {}),
    });
    if (stream) {
      expect(res.statusCode).toBe(200);
      const last = res.body
        .split('\n')
        .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
        .map((line) => JSON.parse(line.slice(6)) as { error?: { code: string } })
        .at(-1);
      expect(last?.error?.code).toBe('guard.detector_unavailable');
      expect(res.body).not.toContain('[DONE]');
    } else {
      expect([res.statusCode, res.json().error.code, res.headers['retry-after']]).toEqual([
        503,
        'guard.detector_unavailable',
        '1',
      ]);
    }
    expect(upstream.received).toHaveLength(1);
    const held = await call(kit.a.ownerKey, 'GET', `/v1/orgs/${kit.a.orgId}/quarantine`);
    expect(held.statusCode).toBe(200);
    expect(held.json().items).toEqual([]);
  });
});
