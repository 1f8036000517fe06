/**
 * What a retrieval search costs on the exact scan (no pgvector), in one run on PGlite and (with DATABASE_URL)
 * PostgreSQL, for an org holding 1k and then 10k chunks of 256 dimensions (10 chunks a document):
 * - search: RetrievalService.search without its embedding call (the query vector is given; the embedding is the
 *   gateway's cost, measured by bench/gateway-metering.ts): candidate documents, a Cedar decision per document
 *   (the engine's decision cache on, as the server runs it: after the first search the decisions are hits), the cosine scan in SQL, top 10;
 * - baseline: a tenant transaction reading one chunk by its primary key (a plain indexed select).
 * Run: npx tsx bench/retrieval.ts [searches=20]
 * Reads: the scan is linear in the org's chunk count; the ratio says how many indexed reads one search is worth.
 */
import { performance } from 'node:perf_hooks';
import { createTestDb, backendName } from '../test/support/test-db.js';
import { newId, type OrgId } from '../src/lib/ids.js';
import { seededRandom } from '../src/lib/seeded-random.js';
import { createAuthzEngine, loadPolicyBundle, type Principal } from '../src/modules/authz/index.js';
import { RetrievalService, type EmbeddingResponse, type StoredDocument } from '../src/modules/gateway/index.js';
import { insertDocument, nearestChunks, searchCandidates } from '../src/modules/gateway/retrieval/repo.js';
import type { DocumentId } from '../src/modules/gateway/retrieval/document.js';

const searches = Number(process.argv[2] ?? 20);
const DIMENSIONS = 256;
const CHUNKS_PER_DOCUMENT = 10;
const ROUNDS = 5;

function vector(random: () => number): number[] {
  const v = Array.from({ length: DIMENSIONS }, () => random() * 2 - 1);
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function msPerOp(n: number, op: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i += 1) await op();
  return (performance.now() - start) / n;
}

async function main(): Promise<void> {
  const t = await createTestDb();
  const random = seededRandom(7);
  try {
    const org = newId('org');
    await t.db.withPlatform((sql) =>
      sql.query('INSERT INTO orgs (id, name, slug) VALUES ($1, $1, $2)', [org, 'bench-retrieval']),
    );
    const principal: Principal = {
      kind: 'user',
      id: 'usr_bench',
      orgId: org as OrgId,
      roles: ['developer'],
      attributes: {},
      amr: ['pwd', 'otp'],
    };
    const engine = createAuthzEngine({
      platformOrgId: newId('org'),
      onAlert: () => undefined,
      bundle: loadPolicyBundle(),
    });
    let query = vector(random);
    const embedded = (): EmbeddingResponse => ({
      object: 'list',
      model: 'bench-embed',
      data: [{ object: 'embedding', index: 0, embedding: query }],
      usage: { prompt_tokens: 1, total_tokens: 1 },
    });
    const service = new RetrievalService({
      db: t.db,
      engine,
      audit: undefined as never,
      gateway: { embed: async () => embedded() },
      recordEvent: async () => undefined,
      clock: { now: () => new Date() },
    });
    const call = { principal, requestId: 'req_bench', clientIp: '127.0.0.1', signal: new AbortController().signal };
    let first: DocumentId | null = null;
    let chunks = 0;
    console.log(`${backendName}: ${ROUNDS} alternating rounds of ${searches} searches each (median reported)`);
    for (const target of [1_000, 10_000]) {
      while (chunks < target) {
        const document: StoredDocument = {
          id: newId('doc'),
          title: null,
          attributes: { region: 'eu' },
          metadata: {},
          embeddingModel: 'bench-embed',
          dimensions: DIMENSIONS,
          chars: CHUNKS_PER_DOCUMENT * 100,
          chunkCount: CHUNKS_PER_DOCUMENT,
          createdAt: new Date(),
        };
        first ??= document.id;
        const rows = Array.from({ length: CHUNKS_PER_DOCUMENT }, () => ({
          content: 'x'.repeat(100),
          embedding: vector(random),
        }));
        await t.db.withTenant(org as OrgId, (sql) => insertDocument(sql, document, rows));
        chunks += CHUNKS_PER_DOCUMENT;
      }
      const search = () => {
        query = vector(random);
        return service.search(call, { query: 'q', topK: 10, model: 'bench-embed' });
      };
      const lookup = () =>
        t.db.withTenant(org as OrgId, (sql) =>
          sql.query(
            'SELECT content FROM gateway_document_chunks WHERE org_id = $1 AND document_id = $2 AND position = 0',
            [org, first],
          ),
        );
      // The same search's SQL alone (candidates and the cosine scan over every document), without Cedar.
      const scan = () => {
        query = vector(random);
        return t.db.withTenant(org as OrgId, async (sql) => {
          const all = await searchCandidates(sql, 'bench-embed', {});
          return nearestChunks(
            sql,
            all.map((d) => d.id),
            query,
            10,
          );
        });
      };
      await search();
      const tested: number[] = [];
      const scanned: number[] = [];
      const base: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        base.push(await msPerOp(searches, lookup));
        scanned.push(await msPerOp(searches, scan));
        tested.push(await msPerOp(searches, search));
      }
      const s = median(tested);
      const q = median(scanned);
      const b = median(base);
      console.log(
        `  ${chunks} chunks (${chunks / CHUNKS_PER_DOCUMENT} documents): search ${s.toFixed(1)} ms ` +
          `(SQL scan alone ${q.toFixed(1)} ms), indexed select ${b.toFixed(2)} ms, ` +
          `ratios ${(s / b).toFixed(0)}x / ${(q / b).toFixed(0)}x`,
      );
    }
  } finally {
    await t.close();
  }
}

await main();
