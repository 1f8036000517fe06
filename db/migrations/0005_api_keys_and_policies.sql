-- Scoped API keys. The secret is stored only as a SHA-256 hash (it carries 256 random bits).
CREATE TABLE api_keys (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^key_[0-9a-z]{26}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  env text NOT NULL CHECK (env IN ('live', 'test', 'dev')),
  owner_type text NOT NULL CHECK (owner_type IN ('user', 'service_account')),
  owner_id text NOT NULL,
  role text NOT NULL,
  scopes text[] NOT NULL,
  amr text[] NOT NULL DEFAULT '{}',
  cidrs text[] NOT NULL DEFAULT '{}',
  secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  rotated_from text,
  created_by jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id)
);
CREATE INDEX api_keys_owner ON api_keys (org_id, owner_type, owner_id);

-- Maps a key id to its org, so a presented key finds its tenant before any tenant data is read.
-- Holds no secret. Readable in the platform scope; a tenant may add and see only its own keys.
CREATE TABLE api_key_index (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES orgs (id)
);
ALTER TABLE api_key_index ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_key_index FORCE ROW LEVEL SECURITY;
CREATE POLICY api_key_index_lookup ON api_key_index FOR SELECT
  USING (current_setting('bulwark.scope', true) = 'platform' OR org_id = current_setting('bulwark.org_id', true));
CREATE POLICY api_key_index_insert ON api_key_index FOR INSERT
  WITH CHECK (org_id = current_setting('bulwark.org_id', true));
GRANT SELECT, INSERT ON api_key_index TO bulwark_app;

-- Per-org Cedar policies; every change is a new version, the highest version is in force.
CREATE TABLE org_policies (
  org_id text NOT NULL REFERENCES orgs (id),
  version integer NOT NULL CHECK (version >= 1),
  policy_text text NOT NULL,
  note text,
  rolled_back_from integer,
  created_by jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, version)
);

-- Idempotency keys: the first response to a POST is stored (encrypted, it may hold a secret shown once)
-- and replayed for a retry with the same key and body.
CREATE TABLE idempotency_keys (
  org_id text NOT NULL REFERENCES orgs (id),
  principal_id text NOT NULL,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash text NOT NULL,
  status_code integer NOT NULL,
  response_ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, principal_id, idempotency_key)
);

SELECT bulwark_protect_tenant_table('api_keys', 'SELECT, INSERT, UPDATE');
SELECT bulwark_protect_tenant_table('org_policies', 'SELECT, INSERT');
SELECT bulwark_protect_tenant_table('idempotency_keys', 'SELECT, INSERT, UPDATE, DELETE');
