import { z } from 'zod';
import type { ChunkHit, StoredDocument } from './document.js';

// Limits of the document API. A document's chunks go through one embedding call, whose joined text the gateway
// bounds at MAX_REQUEST_TEXT (128 KiB); 100,000 characters leave room for the separators between chunks.
/** Most characters of one document's text. */
export const MAX_DOCUMENT_TEXT = 100_000;
/** Most characters of a search query. */
export const MAX_QUERY_TEXT = 4_000;
/** Most chunks one search returns. */
export const MAX_TOP_K = 50;
const DEFAULT_TOP_K = 5;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const attributeValue = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'letters, digits, `.`, `_`, `-`; at most 64; starting with a letter or digit',
  );

/** The ABAC attributes of a document (what Cedar policies on `Document` read). */
export const documentAttributesSchema = z
  .strictObject({
    region: attributeValue.optional().describe('The region the document belongs to (Cedar `resource.region`).'),
    project: attributeValue.optional().describe('The project the document belongs to (Cedar `resource.project`).'),
  })
  .describe('ABAC attributes policy filters on.');

const embeddingModel = z
  .string()
  .min(1)
  .max(256)
  .optional()
  .describe('The org embedding model to embed with (default `bulwark-local-embed`).');

/** `POST /v1/retrieval/documents`. */
export const createDocumentBodySchema = z.strictObject({
  text: z
    .string()
    .min(1)
    .max(MAX_DOCUMENT_TEXT)
    .refine((text) => /\S/.test(text), 'the text is empty')
    .refine((text) => !LONE_SURROGATE.test(text), 'the text has an unpaired surrogate')
    .describe(`The document's text (at most ${MAX_DOCUMENT_TEXT} characters); chunked and embedded at upload.`),
  title: z.string().min(1).max(200).optional(),
  attributes: documentAttributesSchema.optional(),
  metadata: z
    .record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'snake_case, at most 64'), z.string().max(256))
    .refine((m) => Object.keys(m).length <= 16, 'at most 16 keys')
    .optional()
    .describe('Client labels (at most 16 string values of at most 256 characters); not read by policy.'),
  model: embeddingModel,
});

/** A parsed `POST /v1/retrieval/documents` body. */
export type CreateDocumentBody = z.infer<typeof createDocumentBodySchema>;

/** What a search asks: `query`, `top_k` and an attribute filter; also the `bulwark.retrieval` chat extension. */
export const retrievalQuerySchema = z.strictObject({
  top_k: z.number().int().min(1).max(MAX_TOP_K).default(DEFAULT_TOP_K).describe(`Chunks to return (1–${MAX_TOP_K}).`),
  filter: documentAttributesSchema.optional().describe('Only documents with these attribute values.'),
  model: embeddingModel,
});

/** `POST /v1/retrieval/search`. */
export const searchBodySchema = retrievalQuerySchema.extend({
  query: z.string().min(1).max(MAX_QUERY_TEXT).describe('The text to find similar chunks for.'),
});

/** A parsed `POST /v1/retrieval/search` body. */
export type SearchBody = z.infer<typeof searchBodySchema>;

/** `bulwark.retrieval` of a chat completion: ground the answer on the org's documents (the query defaults to the last user message). */
export const chatRetrievalSchema = retrievalQuerySchema.extend({
  query: z.string().min(1).max(MAX_QUERY_TEXT).optional(),
});

/** A parsed `bulwark.retrieval`. */
export type ChatRetrieval = z.infer<typeof chatRetrievalSchema>;

const attributesWire = z.object({ region: z.string().nullable(), project: z.string().nullable() });

/** A document on the wire (without its text). */
export const documentSchema = z.object({
  id: z.string(),
  object: z.literal('retrieval.document'),
  title: z.string().nullable(),
  attributes: attributesWire,
  metadata: z.record(z.string(), z.string()),
  embedding_model: z.string(),
  dimensions: z.number().int(),
  chars: z.number().int(),
  chunk_count: z.number().int(),
  created_at: z.string(),
});

/** A document with its text. */
export const documentWithTextSchema = documentSchema.extend({ text: z.string() });

/** The answer of a search. */
export const searchResultSchema = z.object({
  object: z.literal('list'),
  model: z.string(),
  data: z.array(
    z.object({
      document_id: z.string(),
      title: z.string().nullable(),
      attributes: attributesWire,
      chunk_index: z.number().int(),
      text: z.string(),
      score: z.number(),
    }),
  ),
});

function attributesToWire(a: StoredDocument['attributes']): z.infer<typeof attributesWire> {
  return { region: a.region ?? null, project: a.project ?? null };
}

/** A stored document in its wire shape. */
export function toDocumentWire(document: StoredDocument): z.infer<typeof documentSchema> {
  return {
    id: document.id,
    object: 'retrieval.document',
    title: document.title,
    attributes: attributesToWire(document.attributes),
    metadata: document.metadata,
    embedding_model: document.embeddingModel,
    dimensions: document.dimensions,
    chars: document.chars,
    chunk_count: document.chunkCount,
    created_at: document.createdAt.toISOString(),
  };
}

/** Search hits in their wire shape. */
export function toSearchWire(model: string, hits: readonly ChunkHit[]): z.infer<typeof searchResultSchema> {
  return {
    object: 'list',
    model,
    data: hits.map((hit) => ({
      document_id: hit.documentId,
      title: hit.title,
      attributes: attributesToWire(hit.attributes),
      chunk_index: hit.position,
      text: hit.content,
      score: hit.score,
    })),
  };
}
