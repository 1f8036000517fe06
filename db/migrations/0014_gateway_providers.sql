-- Per-org provider connections and models of the gateway.
-- A connection is one upstream (OpenAI, Anthropic, or any OpenAI-compatible server by base URL) with its credential,
-- field-encrypted (FieldCipher, bound to gateway_provider_connections/credential_ciphertext/<id>), so the key never
-- sits in the database in the clear and a ciphertext copied to another row or org fails to decrypt.
-- An org model maps a public model name to the attributes policy reads and to an ordered fallback chain of targets
-- (connection + upstream model name).
CREATE TABLE gateway_provider_connections (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^prv_[0-9a-z]{26}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind text NOT NULL CHECK (kind IN ('openai', 'anthropic', 'openai-compatible')),
  base_url text NOT NULL CHECK (base_url ~ '^https?://' AND length(base_url) <= 2048),
  -- NULL only for a keyless OpenAI-compatible server.
  credential_ciphertext text CHECK (credential_ciphertext IS NULL OR credential_ciphertext LIKE 'bwf1.%'),
  options jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(options) = 'object'),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, name),
  CHECK (kind = 'openai-compatible' OR credential_ciphertext IS NOT NULL)
);

CREATE TABLE gateway_models (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^mdl_[0-9a-z]{26}$'),
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$'),
  kind text NOT NULL CHECK (kind IN ('chat', 'embedding')),
  provider text NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
  region text NOT NULL CHECK (length(region) BETWEEN 1 AND 64),
  data_classes_allowed text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, name)
);

-- The fallback chain, tried in `position` order. A connection that is a target cannot be deleted (RESTRICT).
CREATE TABLE gateway_model_targets (
  org_id text NOT NULL REFERENCES orgs (id),
  model_id text NOT NULL,
  position integer NOT NULL CHECK (position BETWEEN 0 AND 15),
  connection_id text NOT NULL,
  upstream_model text NOT NULL CHECK (length(upstream_model) BETWEEN 1 AND 256),
  PRIMARY KEY (org_id, model_id, position),
  FOREIGN KEY (org_id, model_id) REFERENCES gateway_models (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, connection_id) REFERENCES gateway_provider_connections (org_id, id) ON DELETE RESTRICT
);
CREATE INDEX gateway_model_targets_connection ON gateway_model_targets (org_id, connection_id);

SELECT bulwark_protect_tenant_table('gateway_provider_connections', 'SELECT, INSERT, UPDATE, DELETE');
SELECT bulwark_protect_tenant_table('gateway_models', 'SELECT, INSERT, DELETE');
SELECT bulwark_protect_tenant_table('gateway_model_targets', 'SELECT, INSERT, DELETE');
