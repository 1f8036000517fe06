import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { startGateway, type GatewayKit } from './gateway-test-kit.js';

// Every bad input to the retrieval API gets a 4xx in OpenAI's error shape with a stable code, before any model runs.
describe(`retrieval refuses bad input with a 4xx (${backendName})`, () => {
  let kit: GatewayKit;
  const call = () => apiClient(kit.server.app);
  beforeAll(async () => {
    kit = await startGateway();
  }, 120_000);
  afterAll(async () => kit.close());

  const chat = (retrieval: unknown) => ({
    model: 'bulwark-local-chat',
    messages: [{ role: 'user', content: 'hello' }],
    bulwark: { retrieval },
  });

  const cases: [string, 'POST' | 'GET' | 'DELETE', string, unknown, number, string][] = [
    ['oversized text', 'POST', '/v1/retrieval/documents', { text: 'a'.repeat(100_001) }, 400, 'body.text'],
    ['blank text', 'POST', '/v1/retrieval/documents', { text: ' \n\t ' }, 400, 'body.text'],
    ['lone surrogate', 'POST', '/v1/retrieval/documents', { text: 'ab\uD800cd' }, 400, 'body.text'],
    [
      'region with spaces',
      'POST',
      '/v1/retrieval/documents',
      { text: 'x', attributes: { region: 'e u' } },
      400,
      'body.attributes.region',
    ],
    [
      'unknown attribute',
      'POST',
      '/v1/retrieval/documents',
      { text: 'x', attributes: { tenant: 'org_x' } },
      400,
      'body.attributes',
    ],
    [
      'region not a string',
      'POST',
      '/v1/retrieval/documents',
      { text: 'x', attributes: { region: 7 } },
      400,
      'body.attributes.region',
    ],
    [
      'too many metadata keys',
      'POST',
      '/v1/retrieval/documents',
      { text: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      400,
      'body.metadata',
    ],
    ['long title', 'POST', '/v1/retrieval/documents', { text: 'x', title: 't'.repeat(201) }, 400, 'body.title'],
    ['unknown embedding model', 'POST', '/v1/retrieval/documents', { text: 'x', model: 'nope' }, 404, 'model'],
    [
      'chat model to embed with',
      'POST',
      '/v1/retrieval/documents',
      { text: 'x', model: 'bulwark-local-chat' },
      404,
      'model',
    ],
    ['top_k 0', 'POST', '/v1/retrieval/search', { query: 'q', top_k: 0 }, 400, 'body.top_k'],
    ['top_k 51', 'POST', '/v1/retrieval/search', { query: 'q', top_k: 51 }, 400, 'body.top_k'],
    ['top_k not an integer', 'POST', '/v1/retrieval/search', { query: 'q', top_k: 2.5 }, 400, 'body.top_k'],
    ['empty query', 'POST', '/v1/retrieval/search', { query: '' }, 400, 'body.query'],
    ['oversized query', 'POST', '/v1/retrieval/search', { query: 'q'.repeat(4_001) }, 400, 'body.query'],
    [
      'bad filter',
      'POST',
      '/v1/retrieval/search',
      { query: 'q', filter: { region: '../x' } },
      400,
      'body.filter.region',
    ],
    ['malformed document id', 'GET', '/v1/retrieval/documents/doc_1', undefined, 400, 'params.document_id'],
    [
      'id of another kind',
      'DELETE',
      '/v1/retrieval/documents/org_01m8vdd57qxrd3dv2rhxgdkh9n',
      undefined,
      400,
      'params.document_id',
    ],
    ['bad cursor', 'GET', '/v1/retrieval/documents?cursor=zzz', undefined, 400, 'query.cursor'],
    ['chat top_k 51', 'POST', '/v1/chat/completions', chat({ top_k: 51 }), 400, 'body.bulwark.retrieval.top_k'],
    [
      'chat unknown retrieval field',
      'POST',
      '/v1/chat/completions',
      chat({ org_id: 'org_x' }),
      400,
      'body.bulwark.retrieval',
    ],
  ];

  it.each(cases)('%s', async (_name, method, url, body, status, param) => {
    const res = await call()(kit.a.ownerKey, method, url, body);
    expect(res.statusCode, res.body).toBe(status);
    const error = res.json().error as { code: string; param: string | null; message: string };
    expect(error.code).toMatch(/^(http\.bad_request|model_not_found)$/);
    expect(`${error.param} ${error.message}`).toContain(param);
  });

  it('refuses a grounded chat to a key without read:documents, and nothing reaches the model', async () => {
    const key = await kit.keyFor('developer', ['invoke:models']);
    const res = await call()(key, 'POST', '/v1/chat/completions', chat({}));
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.code).toBe('authz.scope_missing');
    expect(kit.meter.opsFor(String(res.headers['x-request-id']))).toEqual([]);
  });

  it('refuses a grounded chat without any query text', async () => {
    const res = await call()(kit.a.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'system', content: 'Be brief.' }],
      bulwark: { retrieval: {} },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.param).toBe('bulwark.retrieval.query');
  });
});
