-- Per-org data-encryption keys, stored only wrapped by a key-encryption key (KEK) held by the vault
-- (local key file or PKCS#11 HSM). Rotating the KEK re-wraps these rows; data is not re-encrypted.
CREATE TABLE org_data_keys (
  org_id text NOT NULL REFERENCES orgs (id),
  version integer NOT NULL CHECK (version >= 1),
  wrapped_key text NOT NULL,
  kek_version integer NOT NULL CHECK (kek_version >= 1),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  rewrapped_at timestamptz,
  PRIMARY KEY (org_id, version)
);
CREATE INDEX org_data_keys_kek ON org_data_keys (kek_version);

-- Per-org secrets (provider API keys, SSO client secrets, webhook signing secrets), encrypted as fields.
CREATE TABLE org_secrets (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL,
  name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,99}$'),
  value_ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, name)
);

SELECT bulwark_protect_tenant_table('org_data_keys', 'SELECT, INSERT, UPDATE');
SELECT bulwark_protect_tenant_table('org_secrets', 'SELECT, INSERT, UPDATE, DELETE');
