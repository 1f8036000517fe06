import type { TenantSql } from '../../../platform/db/index.js';
import type { ChunkHit, DocumentAttributes, DocumentId, StoredDocument } from './document.js';

// INVARIANT: every query runs on a tenant handle, so row-level security limits it to the transaction's org; the
// explicit `org_id = $1` on top lets the planner use the org-leading keys and keeps the intent readable.

interface DocumentRow {
  id: DocumentId;
  title: string | null;
  region: string | null;
  project: string | null;
  metadata: Record<string, string>;
  embedding_model: string;
  dimensions: number;
  chars: number;
  chunk_count: number;
  created_at: Date | string;
}

const DOCUMENT_COLUMNS =
  'id, title, region, project, metadata, embedding_model, dimensions, chars, chunk_count, created_at';

function attributesOf(row: { region: string | null; project: string | null }): DocumentAttributes {
  return {
    ...(row.region !== null ? { region: row.region } : {}),
    ...(row.project !== null ? { project: row.project } : {}),
  };
}

function toDocument(row: DocumentRow): StoredDocument {
  return {
    id: row.id,
    title: row.title,
    attributes: attributesOf(row),
    metadata: row.metadata,
    embeddingModel: row.embedding_model,
    dimensions: row.dimensions,
    chars: row.chars,
    chunkCount: row.chunk_count,
    createdAt: new Date(row.created_at),
  };
}

/** A chunk to store: its text and embedding. */
export interface NewChunk {
  content: string;
  embedding: readonly number[];
}

function norm(vector: readonly number[]): number {
  let sum = 0;
  for (const x of vector) sum += x * x;
  return Math.sqrt(sum);
}

/** Inserts a document and its chunks in the transaction's org. */
export async function insertDocument(
  sql: TenantSql,
  document: StoredDocument,
  chunks: readonly NewChunk[],
): Promise<void> {
  await sql.query(
    `INSERT INTO gateway_documents (org_id, ${DOCUMENT_COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      sql.orgId,
      document.id,
      document.title,
      document.attributes.region ?? null,
      document.attributes.project ?? null,
      JSON.stringify(document.metadata),
      document.embeddingModel,
      document.dimensions,
      document.chars,
      document.chunkCount,
      document.createdAt,
    ],
  );
  for (const [position, chunk] of chunks.entries())
    await sql.query(
      `INSERT INTO gateway_document_chunks (org_id, document_id, position, content, embedding, norm)
       VALUES ($1, $2, $3, $4, $5::real[], $6)`,
      [sql.orgId, document.id, position, chunk.content, [...chunk.embedding], norm(chunk.embedding)],
    );
}

/** One document of the org, or null. */
export async function findDocument(sql: TenantSql, id: DocumentId): Promise<StoredDocument | null> {
  const { rows } = await sql.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM gateway_documents WHERE org_id = $1 AND id = $2`,
    [sql.orgId, id],
  );
  return rows[0] ? toDocument(rows[0]) : null;
}

/** A document's text: its chunks joined in order. */
export async function documentText(sql: TenantSql, id: DocumentId): Promise<string> {
  const { rows } = await sql.query<{ content: string }>(
    `SELECT content FROM gateway_document_chunks WHERE org_id = $1 AND document_id = $2 ORDER BY position`,
    [sql.orgId, id],
  );
  return rows.map((r) => r.content).join('');
}

/** Up to `limit` documents of the org in id (creation) order, after `afterId`. */
export async function listDocuments(sql: TenantSql, limit: number, afterId?: string): Promise<StoredDocument[]> {
  const { rows } = await sql.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM gateway_documents WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [sql.orgId, afterId ?? '', limit],
  );
  return rows.map(toDocument);
}

/** Deletes a document and (by cascade) its chunks; false when the org has none of this id. */
export async function deleteDocument(sql: TenantSql, id: DocumentId): Promise<boolean> {
  const { rows } = await sql.query<{ id: string }>(
    `DELETE FROM gateway_documents WHERE org_id = $1 AND id = $2 RETURNING id`,
    [sql.orgId, id],
  );
  return rows.length > 0;
}

/** The org's documents embedded with `model`, narrowed by the filter: the candidates a search decides on. */
export async function searchCandidates(
  sql: TenantSql,
  model: string,
  filter: DocumentAttributes,
): Promise<{ id: DocumentId; attributes: DocumentAttributes }[]> {
  const { rows } = await sql.query<{ id: DocumentId; region: string | null; project: string | null }>(
    `SELECT id, region, project FROM gateway_documents
     WHERE org_id = $1 AND embedding_model = $2 AND ($3::text IS NULL OR region = $3) AND ($4::text IS NULL OR project = $4)`,
    [sql.orgId, model, filter.region ?? null, filter.project ?? null],
  );
  return rows.map((row) => ({ id: row.id, attributes: attributesOf(row) }));
}

/**
 * The `limit` chunks of the given documents most similar (cosine) to `query`: an exact scan in SQL over the org's
 * own chunk rows (one dot product per chunk, `norm` precomputed). A chunk of another dimension scores nothing.
 */
export async function nearestChunks(
  sql: TenantSql,
  documentIds: readonly DocumentId[],
  query: readonly number[],
  limit: number,
): Promise<ChunkHit[]> {
  const queryNorm = norm(query);
  // A zero vector is similar to nothing (and would divide by zero).
  if (documentIds.length === 0 || queryNorm === 0) return [];
  const { rows } = await sql.query<{
    document_id: DocumentId;
    title: string | null;
    region: string | null;
    project: string | null;
    position: number;
    content: string;
    score: number | string;
  }>(
    `SELECT c.document_id, d.title, d.region, d.project, c.position, c.content, s.score
     FROM gateway_document_chunks c
     JOIN gateway_documents d ON d.org_id = c.org_id AND d.id = c.document_id
     CROSS JOIN LATERAL (
       SELECT (SELECT sum(a * b) FROM unnest(c.embedding, $3::real[]) AS v(a, b)) / (c.norm * $4::real) AS score
     ) s
     WHERE c.org_id = $1 AND c.document_id = ANY($2::text[]) AND cardinality(c.embedding) = cardinality($3::real[])
     ORDER BY s.score DESC, c.document_id, c.position
     LIMIT $5`,
    [sql.orgId, [...documentIds], [...query], queryNorm, limit],
  );
  return rows.map((row) => ({
    documentId: row.document_id,
    title: row.title,
    attributes: attributesOf(row),
    position: row.position,
    content: row.content,
    score: Number(row.score),
  }));
}
