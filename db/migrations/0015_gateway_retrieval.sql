-- Retrieval documents of the gateway: each org's documents, chunked and embedded with the org's embedding model.
-- INVARIANT: both tables lead with org_id in every key and sit under row-level security (bulwark_protect_tenant_table),
-- so a search is a scan of the caller's own rows: another org's chunks are invisible to the database session itself.
-- Embeddings are plain real[] (no pgvector on the engines Bulwark runs on here); the search is an exact cosine scan.
CREATE TABLE gateway_documents (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^doc_[0-9a-z]{26}$'),
  title text CHECK (title IS NULL OR length(title) BETWEEN 1 AND 200),
  -- ABAC attributes policy reads (Cedar `Document` region / project).
  region text CHECK (region IS NULL OR region ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  project text CHECK (project IS NULL OR project ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
  embedding_model text NOT NULL CHECK (length(embedding_model) BETWEEN 1 AND 256),
  dimensions integer NOT NULL CHECK (dimensions BETWEEN 1 AND 4096),
  chars integer NOT NULL CHECK (chars >= 1),
  chunk_count integer NOT NULL CHECK (chunk_count >= 1),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
CREATE INDEX gateway_documents_model ON gateway_documents (org_id, embedding_model);

-- Chunks are contiguous slices of the text (their concatenation in `position` order is the document).
CREATE TABLE gateway_document_chunks (
  org_id text NOT NULL REFERENCES orgs (id),
  document_id text NOT NULL,
  position integer NOT NULL CHECK (position BETWEEN 0 AND 9999),
  content text NOT NULL CHECK (length(content) >= 1),
  embedding real[] NOT NULL CHECK (cardinality(embedding) BETWEEN 1 AND 4096),
  -- The L2 norm of `embedding`, so a search divides once per row instead of recomputing it.
  norm real NOT NULL CHECK (norm > 0),
  PRIMARY KEY (org_id, document_id, position),
  FOREIGN KEY (org_id, document_id) REFERENCES gateway_documents (org_id, id) ON DELETE CASCADE
);

SELECT bulwark_protect_tenant_table('gateway_documents', 'SELECT, INSERT, DELETE');
SELECT bulwark_protect_tenant_table('gateway_document_chunks', 'SELECT, INSERT, DELETE');
