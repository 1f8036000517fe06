import type { Id } from '../../../lib/ids.js';

/** A retrieval document's id (`doc_…`). */
export type DocumentId = Id<'doc'>;

/** The ABAC attributes of a document, which Cedar reads as the `Document` entity's `region` and `project`. */
export interface DocumentAttributes {
  region?: string;
  project?: string;
}

/** A stored document, without its text. */
export interface StoredDocument {
  id: DocumentId;
  title: string | null;
  attributes: DocumentAttributes;
  metadata: Record<string, string>;
  embeddingModel: string;
  dimensions: number;
  chars: number;
  chunkCount: number;
  createdAt: Date;
}

/** A chunk found by a search, with its document and cosine similarity to the query. */
export interface ChunkHit {
  documentId: DocumentId;
  title: string | null;
  attributes: DocumentAttributes;
  position: number;
  content: string;
  score: number;
}
