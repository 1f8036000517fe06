import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { RecordingProvider, replaceGuardPolicy, startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: smuggle a credential to an upstream embedding provider inside a document upload (the chunks are embedded
// by the org's embedding model). Ingestion takes the gateway's own embedding path, so the input guard blocks it
// (and Cedar's "no model may receive secrets" when the guard policy lets secrets through); nothing is stored.
const AWS_KEY = 'AKIAZ7Q3M4N5P6R2T8WX';
const SECRET_TEXT = `${'Deployment notes for the depot scanners. '.repeat(40)}Use access key ${AWS_KEY} to upload.`;

describe(`a secret in a document never reaches the embedding provider (${backendName})`, () => {
  let kit: GatewayKit;
  const recorder = new RecordingProvider();
  const call = () => apiClient(kit.server.app);

  beforeAll(async () => {
    kit = await startGateway({
      configure: (catalog) => catalog.add('team-embed', recorder, { kind: 'embedding' }),
    });
  }, 120_000);
  afterAll(async () => kit.close());

  const upload = () =>
    call()(kit.a.ownerKey, 'POST', '/v1/retrieval/documents', { text: SECRET_TEXT, model: 'team-embed' });

  it('is blocked by the input guard (gateway.guardrail_blocked) and nothing is stored', async () => {
    const res = await upload();
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('gateway.guardrail_blocked');
    expect(res.body).not.toContain(AWS_KEY);
    expect(recorder.received).toHaveLength(0);
    expect((await call()(kit.a.ownerKey, 'GET', '/v1/retrieval/documents')).json().data).toEqual([]);
  });

  it('is refused by Cedar when the org guard policy lets secrets through', async () => {
    expect((await replaceGuardPolicy(kit, { 'secret.*': 'allow' })).statusCode).toBe(200);
    const res = await upload();
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.code).toBe('gateway.model_policy_denied');
    expect(recorder.receivedText()).not.toContain(AWS_KEY);
    expect((await call()(kit.a.ownerKey, 'GET', '/v1/retrieval/documents')).json().data).toEqual([]);
  });

  it('embeds a clean document with the named org model, metered, and searches it with the same model only', async () => {
    const res = await call()(kit.a.ownerKey, 'POST', '/v1/retrieval/documents', {
      text: 'The depot scanners upload every hour.',
      model: 'team-embed',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().embedding_model).toBe('team-embed');
    expect(kit.meter.opsFor(String(res.headers['x-request-id']))).toEqual(['reserve', 'settle']);
    expect(recorder.received.at(-1)?.model).toBe('team-embed-upstream');
    const same = await call()(kit.a.ownerKey, 'POST', '/v1/retrieval/search', {
      query: 'scanner uploads',
      model: 'team-embed',
    });
    expect(same.json().data.map((h: { document_id: string }) => h.document_id)).toEqual([res.json().id]);
    const other = await call()(kit.a.ownerKey, 'POST', '/v1/retrieval/search', { query: 'scanner uploads' });
    expect(other.json().data).toEqual([]);
  });
});
