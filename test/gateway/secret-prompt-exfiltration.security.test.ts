import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { RecordingProvider, startGateway, type GatewayKit, replaceGuardPolicy } from './gateway-test-kit.js';

// Attack: send a credential to a model (by accident or to exfiltrate it), through every model endpoint, streamed or
// not, and even after the org's guard policy lets secrets through. Asserted at the provider: it never receives it.
const AWS_KEY = 'AKIAZ7Q3M4N5P6R2T8WX';
const prompt = `Deploy with access key ${AWS_KEY} and token ghp_R7x9Kq2LmN4pV8sT1wY3zB6cD0fH5jA2eG7i please`;

describe(`a secret in a prompt never reaches the provider (${backendName})`, () => {
  let kit: GatewayKit;
  const recorder = new RecordingProvider();
  beforeAll(async () => {
    kit = await startGateway({ local: recorder });
  }, 120_000);
  afterAll(async () => kit.close());

  const requests = () =>
    [
      ['/v1/chat/completions', { model: 'bulwark-local-chat', messages: [{ role: 'user', content: prompt }] }],
      [
        '/v1/chat/completions',
        { model: 'bulwark-local-chat', stream: true, messages: [{ role: 'user', content: prompt }] },
      ],
      ['/v1/responses', { model: 'bulwark-local-chat', input: prompt }],
      ['/v1/responses', { model: 'bulwark-local-chat', input: prompt, stream: true }],
      ['/v1/responses', { model: 'bulwark-local-chat', input: 'Summarise the deployment notes', instructions: prompt }],
      ['/v1/embeddings', { model: 'bulwark-local-embed', input: ['harmless', prompt] }],
    ] as const;

  it('blocks it with gateway.guardrail_blocked (422) under the default guard policy', async () => {
    const call = apiClient(kit.server.app);
    for (const [url, body] of requests()) {
      const res = await call(kit.a.ownerKey, 'POST', url, body);
      expect(res.statusCode, url).toBe(422);
      expect(res.json().error.code).toBe('gateway.guardrail_blocked');
      expect(res.body).not.toContain(AWS_KEY);
    }
    expect(recorder.received).toHaveLength(0);
  });

  it('refuses it by Cedar (no model may receive secrets) when the org guard policy allows secrets', async () => {
    const call = apiClient(kit.server.app);
    const put = await replaceGuardPolicy(kit, { 'secret.*': 'allow', 'injection.*': 'allow' });
    expect(put.statusCode, put.body).toBe(200);
    for (const [url, body] of requests()) {
      const res = await call(kit.a.ownerKey, 'POST', url, body);
      expect(res.statusCode, `${url} ${res.body}`).toBe(403);
      expect(res.json().error.code).toBe('gateway.model_policy_denied');
      expect(res.body).not.toContain(AWS_KEY);
    }
    expect(recorder.received).toHaveLength(0);
    expect(recorder.receivedText()).not.toContain(AWS_KEY);
    const denied = await kit.events('gateway.request.');
    expect(denied.filter((e) => e.reason_codes.includes('gateway.model_policy_denied')).length).toBe(requests().length);
    expect(JSON.stringify(denied)).not.toContain(AWS_KEY);
  });
});
