import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { apiClient } from '../api/api-client.js';
import { backendName } from '../support/test-db.js';
import { RecordingProvider, startGateway, type GatewayKit } from './gateway-test-kit.js';

// Attack: read a document of a region policy keeps from you, through search (even when it is the best match and
// only one result is asked for), show, list, or a retrieval-augmented chat. The org's ABAC policy lets developers
// read only documents of region `eu`; withheld documents must not appear, take a result's place, or be counted.
const POLICY = `@id("developers-read-eu-documents-only")
forbid (principal in Role::"developer", action == Action::"read:documents", resource is Document)
unless { resource has region && resource.region == "eu" };`;

const EU_TEXT = 'The Rotterdam depot opens at seven and closes at nineteen on weekdays.';
const US_TEXT = 'The Denver depot opens at seven and closes at nineteen on weekdays, exactly like Rotterdam.';

type Hit = { document_id: string };

describe(`an ABAC policy on document region filters retrieval (${backendName})`, () => {
  let kit: GatewayKit;
  const recorder = new RecordingProvider();
  let developer: string;
  let euDoc: string;
  let usDoc: string;
  const call = () => apiClient(kit.server.app);

  beforeAll(async () => {
    kit = await startGateway({ local: recorder });
    const upload = async (text: string, region: string, project: string) => {
      const res = await call()(kit.a.ownerKey, 'POST', '/v1/retrieval/documents', {
        text,
        attributes: { region, project },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    euDoc = await upload(EU_TEXT, 'eu', 'depots');
    usDoc = await upload(US_TEXT, 'us', 'depots');
    const put = await call()(
      kit.a.ownerKey,
      'PUT',
      `/v1/orgs/${kit.a.orgId}/policies`,
      { text: POLICY },
      { 'if-match': '"v0"' },
    );
    expect(put.statusCode, put.body).toBe(200);
    developer = await kit.keyFor('developer', ['read:documents', 'invoke:models']);
  }, 120_000);
  afterAll(async () => kit.close());

  it('the owner (no such policy) finds both, the US one first for its own words', async () => {
    const res = await call()(kit.a.ownerKey, 'POST', '/v1/retrieval/search', { query: US_TEXT, top_k: 5 });
    expect(res.json().data.map((h: Hit) => h.document_id)).toEqual([usDoc, euDoc]);
  });

  it('search gives the developer the EU document only, even when the US one matches best and top_k is 1', async () => {
    const res = await call()(developer, 'POST', '/v1/retrieval/search', { query: US_TEXT, top_k: 1 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.map((h: Hit) => h.document_id)).toEqual([euDoc]);
    expect(res.body).not.toContain(usDoc);
    expect(res.body).not.toContain('Denver');
    const filtered = await call()(developer, 'POST', '/v1/retrieval/search', {
      query: US_TEXT,
      filter: { region: 'us' },
    });
    expect(filtered.json().data).toEqual([]);
    const searched = (await kit.events('gateway.retrieval.searched')).at(-1);
    expect(searched?.details.documents).toEqual([]);
    expect(searched?.details.withheld_by_policy).toBe(1);
  });

  it('show answers the withheld document as one that does not exist, and records the denial', async () => {
    const denied = await call()(developer, 'GET', `/v1/retrieval/documents/${usDoc}`);
    const missing = await call()(developer, 'GET', `/v1/retrieval/documents/${newId('doc')}`);
    expect(denied.statusCode).toBe(404);
    expect(denied.json().error.code).toBe('gateway.document_not_found');
    expect(denied.json().error.message).toBe(missing.json().error.message);
    expect((await call()(developer, 'GET', `/v1/retrieval/documents/${euDoc}`)).json().text).toBe(EU_TEXT);
    const decisions = await kit.events('authz.decision.made');
    expect(decisions.some((e) => e.resource?.id === usDoc && e.decision === 'deny')).toBe(true);
  });

  it('list leaves the withheld document out', async () => {
    const res = await call()(developer, 'GET', '/v1/retrieval/documents');
    expect(res.json().data.map((d: { id: string }) => d.id)).toEqual([euDoc]);
    // Page by page: a page thinned by policy still carries the cursor on, and no page shows the withheld one.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const url: string = `/v1/retrieval/documents?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const body = (await call()(developer, 'GET', url)).json() as {
        data: { id: string }[];
        next_cursor: string | null;
      };
      seen.push(...body.data.map((d) => d.id));
      cursor = body.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual([euDoc]);
    expect(cursor).toBeNull();
  });

  it('a retrieval-augmented chat puts only the EU document in the prompt and audits its id', async () => {
    recorder.received.length = 0;
    const res = await call()(developer, 'POST', '/v1/chat/completions', {
      model: 'bulwark-local-chat',
      messages: [{ role: 'user', content: 'When does the Denver depot open?' }],
      bulwark: { retrieval: { top_k: 5 } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(recorder.receivedText()).toContain('Rotterdam depot opens');
    expect(recorder.receivedText()).not.toContain('The Denver depot opens');
    const requestId = String(res.headers['x-request-id']);
    const event = (await kit.events('gateway.request.')).find(
      (e) => e.request_id === requestId && e.details.endpoint === 'chat.completions',
    );
    expect(event?.details.retrieval).toEqual({ documents: [euDoc], chunks: 1 });
  });
});
