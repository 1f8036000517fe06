-- Sealed checkpoints of each org's audit chain: the chain head (seq, hash) at a point, MACed by a key the vault holds
-- (HMAC-SHA256; the local key file derives it with HKDF, a PKCS#11 token keeps it non-extractable). A superuser who
-- rewrites events and recomputes the hashes cannot produce a valid MAC, so verify exposes the rewrite at the first
-- checkpoint after it. docs/audit-format.md documents the MAC input and the threat model.
CREATE TABLE audit_checkpoints (
  org_id text NOT NULL REFERENCES orgs (id),
  seq bigint NOT NULL CHECK (seq >= 1),
  head_hash text NOT NULL CHECK (head_hash ~ '^[0-9a-f]{64}$'),
  sealed_at timestamptz NOT NULL,
  key_id text NOT NULL CHECK (length(key_id) BETWEEN 1 AND 200),
  mac text NOT NULL CHECK (mac ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (org_id, seq)
);

-- SECURITY: append-only like audit_events: the app may read and insert, and the trigger refuses UPDATE, DELETE and
-- TRUNCATE from the owner too. A superuser can disable it; verify then finds the checkpoint gone or its MAC invalid.
SELECT bulwark_protect_tenant_table('audit_checkpoints', 'SELECT, INSERT');
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
