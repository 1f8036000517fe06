import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { ScriptedProvider, startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: get a model to stream a secret out, relying on a gateway that only scans finished responses (or skips
// guards when stream=true). The hold-back window releases text only after it is scanned: the leak is cut, the
// stream ends with an OpenAI error event, and the response is quarantined.
const LEAKED = 'ghp_R7x9Kq2LmN4pV8sT1wY3zB6cD0fH5jA2eG7i';
const pieces = [
  'Here is the summary you asked for. ',
  'The deployment went well and all services are healthy. ',
  'The token for the build server is ',
  LEAKED.slice(0, 12),
  LEAKED.slice(12),
  ' and please keep it safe. ',
  'More text follows here that should never be sent after the leak.',
];

function dataLines(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('data: ') && !block.startsWith('data: [DONE]'))
    .map((block) => JSON.parse(block.slice(6)));
}

describe(`a leak in a stream is cut and quarantined (${backendName})`, () => {
  let kit: GatewayKit;
  beforeAll(async () => {
    kit = await startGateway({
      configure: (catalog) => catalog.add('leaky-model', new ScriptedProvider({ pieces })),
    });
  }, 120_000);
  afterAll(async () => kit.close());

  it('chat completions: released text is scanned text, then an error event; nothing of the secret leaves', async () => {
    const call = apiClient(kit.server.app);
    const res = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'leaky-model',
      stream: true,
      messages: [{ role: 'user', content: 'Summarise the deployment report' }],
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.body).not.toContain(LEAKED.slice(0, 8));
    expect(res.body).not.toContain('More text follows');
    expect(res.body).not.toContain('[DONE]');
    const events = dataLines(res.body) as { choices?: { delta: { content?: string } }[]; error?: { code: string } }[];
    const released = events.map((e) => e.choices?.[0]?.delta.content ?? '').join('');
    expect(released.length).toBeGreaterThan(0);
    expect('Here is the summary you asked for. The deployment went well'.startsWith(released.slice(0, 20))).toBe(true);
    expect(events.at(-1)?.error?.code).toBe('gateway.output_blocked');

    const requestId = String(res.headers['x-request-id']);
    const held = await call(kit.a.ownerKey, 'GET', `/v1/orgs/${kit.a.orgId}/quarantine`);
    expect(held.statusCode).toBe(200);
    const items = held.json().items as { id: string; request_id: string | null; hook: string }[];
    const item = items.find((i) => i.request_id === requestId);
    expect(item?.hook).toBe('output');
    const shown = await call(kit.a.ownerKey, 'GET', `/v1/orgs/${kit.a.orgId}/quarantine/${item?.id}`);
    expect(shown.body).toContain(LEAKED.slice(0, 12));

    const record = (await kit.events('gateway.request.')).find((e) => e.request_id === requestId);
    expect(record?.action).toBe('gateway.request.blocked');
    expect(record?.decision).toBe('quarantine');
    expect(JSON.stringify(record)).not.toContain(LEAKED.slice(0, 8));
    expect(kit.meter.opsFor(requestId)).toEqual(['reserve', 'settle']);
  });

  it('responses: the same cut, ending with an error event', async () => {
    const call = apiClient(kit.server.app);
    const res = await call(kit.a.ownerKey, 'POST', '/v1/responses', {
      model: 'leaky-model',
      stream: true,
      input: 'Summarise the deployment report',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(LEAKED.slice(0, 8));
    expect(res.body).not.toContain('response.completed');
    expect(res.body).toMatch(/event: error\ndata: \{"type":"error","code":"gateway.output_blocked"/);
  });

  it('non-streamed: withheld as a whole and quarantined', async () => {
    const call = apiClient(kit.server.app);
    const res = await call(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'leaky-model',
      messages: [{ role: 'user', content: 'Summarise the deployment report' }],
    });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('gateway.output_blocked');
    expect(res.body).not.toContain(LEAKED.slice(0, 8));
  });
});
