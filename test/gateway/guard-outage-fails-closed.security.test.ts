import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
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
