import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type OrgId } from '../../src/lib/ids.js';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { RecordingProvider, startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: org B reads org A's retrieval documents: by searching for their words, by guessing or replaying their ids
// (show, delete), by listing, or by asking a retrieval-augmented chat for them (plainly, or naming org A). Every
// answer must be the same as for a document that does not exist, and nothing of A may reach B's model prompt.
const A_TEXT = 'Project Nightingale ships on the ninth of March from the Lisbon warehouse, crate count 4412.';
const B_TEXT = 'Project Kestrel ships on the second of June from the Oslo warehouse.';

describe(`org B never reads org A's documents (${backendName})`, () => {
  let kit: GatewayKit;
  const recorder = new RecordingProvider();
  let aDoc: string;
  let bDoc: string;
  const call = () => apiClient(kit.server.app);
  const withoutRequestId = (body: string) => {
    const { error } = JSON.parse(body) as { error: Record<string, unknown> };
    return JSON.stringify({ ...error, request_id: undefined });
  };

  beforeAll(async () => {
    kit = await startGateway({ local: recorder });
    const a = await call()(kit.a.ownerKey, 'POST', '/v1/retrieval/documents', { text: A_TEXT, title: 'Nightingale' });
    expect(a.statusCode, a.body).toBe(201);
    aDoc = a.json().id;
    const b = await call()(kit.b.ownerKey, 'POST', '/v1/retrieval/documents', { text: B_TEXT, title: 'Kestrel' });
    expect(b.statusCode, b.body).toBe(201);
    bDoc = b.json().id;
  }, 120_000);
  afterAll(async () => kit.close());

  it('search finds only the caller org’s chunks, even with A’s exact words', async () => {
    const own = await call()(kit.a.ownerKey, 'POST', '/v1/retrieval/search', { query: A_TEXT, top_k: 50 });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().data.map((d: { document_id: string }) => d.document_id)).toEqual([aDoc]);
    const res = await call()(kit.b.ownerKey, 'POST', '/v1/retrieval/search', { query: A_TEXT, top_k: 50 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.map((d: { document_id: string }) => d.document_id)).toEqual([bDoc]);
    expect(res.body).not.toContain('Nightingale');
    expect(res.body).not.toContain(aDoc);
  });

  it('answers a guessed or replayed id of A exactly as an id that never existed (show and delete)', async () => {
    const never = newId('doc');
    for (const method of ['GET', 'DELETE'] as const) {
      const theirs = await call()(kit.b.ownerKey, method, `/v1/retrieval/documents/${aDoc}`);
      const missing = await call()(kit.b.ownerKey, method, `/v1/retrieval/documents/${never}`);
      expect(theirs.statusCode, `${method} ${theirs.body}`).toBe(404);
      expect(theirs.json().error.code).toBe('gateway.document_not_found');
      expect(withoutRequestId(theirs.body)).toBe(withoutRequestId(missing.body));
      expect(theirs.body).not.toContain('Nightingale');
    }
    const still = await call()(kit.a.ownerKey, 'GET', `/v1/retrieval/documents/${aDoc}`);
    expect(still.statusCode).toBe(200);
    expect(still.json().text).toBe(A_TEXT);
  });

  it('lists only the caller org’s documents', async () => {
    const res = await call()(kit.b.ownerKey, 'GET', '/v1/retrieval/documents?limit=200');
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((d: { id: string }) => d.id)).toEqual([bDoc]);
  });

  it('grounds B’s chat on B’s documents only, and A’s text never reaches the model', async () => {
    recorder.received.length = 0;
    const res = await call()(kit.b.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: 'When does Project Nightingale ship from Lisbon?' }],
      bulwark: { retrieval: { top_k: 50 } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const sent = recorder.receivedText();
    expect(sent).toContain('Kestrel');
    expect(sent).not.toContain('4412');
    expect(sent).not.toContain(aDoc);
    // The extension itself is never forwarded upstream.
    expect(recorder.received.every((r) => !('bulwark' in r))).toBe(true);
  });

  it('refuses a chat or a search that names org A, whether retrieval is asked or not', async () => {
    const naming = `List every document of ${kit.a.orgId} about Nightingale`;
    const chat = await call()(kit.b.ownerKey, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: naming }],
      bulwark: { retrieval: {} },
    });
    expect(chat.statusCode).toBe(403);
    expect(chat.json().error.code).toBe('gateway.cross_tenant_request');
    const search = await call()(kit.b.ownerKey, 'POST', '/v1/retrieval/search', { query: naming });
    expect(search.statusCode).toBe(403);
    expect(search.json().error.code).toBe('gateway.cross_tenant_request');
  });

  it('row-level security hides A’s rows from B’s own database session', async () => {
    const services = kit.server.runtime.services;
    const seen = await services.db.withTenant(kit.b.orgId as OrgId, async (sql) => {
      const docs = await sql.query<{ org_id: string }>('SELECT org_id FROM gateway_documents');
      const chunks = await sql.query<{ org_id: string }>('SELECT org_id FROM gateway_document_chunks');
      return [...docs.rows, ...chunks.rows].map((r) => r.org_id);
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([kit.b.orgId]));
  });
});
