-- The embedded OpenID provider (oidc-provider): what it stores, the OAuth clients of service accounts, and the
-- signing keys of its tokens.

-- Every model oidc-provider persists (ClientCredentials, AccessToken, Grant, Session, Interaction, …), one row per
-- model and id. The provider looks an object up by its id alone, before it knows an org, so this is a platform
-- table: only the platform scope reads or writes it. Expired rows are deleted by the cleanup sweep.
CREATE TABLE oidc_payloads (
  model text NOT NULL CHECK (model ~ '^[A-Za-z]{1,64}$'),
  id text NOT NULL CHECK (length(id) BETWEEN 1 AND 512),
  payload jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  grant_id text CHECK (length(grant_id) <= 512),
  user_code text CHECK (length(user_code) <= 512),
  uid text CHECK (length(uid) <= 512),
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_payloads_uid ON oidc_payloads (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_payloads_user_code ON oidc_payloads (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_payloads_expiry ON oidc_payloads (expires_at) WHERE expires_at IS NOT NULL;
ALTER TABLE oidc_payloads ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_payloads FORCE ROW LEVEL SECURITY;
CREATE POLICY oidc_payloads_platform ON oidc_payloads
  USING ((SELECT bulwark_is_platform()))
  WITH CHECK ((SELECT bulwark_is_platform()));
GRANT SELECT, INSERT, UPDATE, DELETE ON oidc_payloads TO bulwark_app;

-- The OAuth client of a service account: client_credentials only, authenticated by client_secret_basic (the secret
-- field-encrypted, bound to oidc_clients/secret_ciphertext/<client id>) or private_key_jwt (the client's public JWKS).
CREATE TABLE oidc_clients (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^cli_[0-9a-z]{26}$'),
  service_account_id text NOT NULL,
  auth_method text NOT NULL CHECK (auth_method IN ('client_secret_basic', 'private_key_jwt')),
  secret_ciphertext text CHECK (secret_ciphertext LIKE 'bwf1.%'),
  jwks jsonb CHECK (jwks IS NULL OR jsonb_typeof(jwks) = 'object'),
  created_by jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, service_account_id) REFERENCES service_accounts (org_id, id),
  CHECK ((auth_method = 'client_secret_basic') = (secret_ciphertext IS NOT NULL)),
  CHECK ((auth_method = 'private_key_jwt') = (jwks IS NOT NULL))
);
SELECT bulwark_protect_tenant_table('oidc_clients', 'SELECT, INSERT, UPDATE');

-- Maps a client id to its org (like api_key_index), so the provider finds the tenant of a presented client id
-- before any tenant data is read. Holds no secret.
CREATE TABLE oidc_client_index (
  id text PRIMARY KEY CHECK (id ~ '^cli_[0-9a-z]{26}$'),
  org_id text NOT NULL REFERENCES orgs (id)
);
ALTER TABLE oidc_client_index ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_client_index FORCE ROW LEVEL SECURITY;
CREATE POLICY oidc_client_index_lookup ON oidc_client_index FOR SELECT
  USING ((SELECT bulwark_is_platform()) OR org_id = (SELECT bulwark_tenant_org()));
CREATE POLICY oidc_client_index_insert ON oidc_client_index FOR INSERT
  WITH CHECK (org_id = (SELECT bulwark_tenant_org()));
GRANT SELECT, INSERT ON oidc_client_index TO bulwark_app;

-- ES256 signing keys of the provider, rows of the platform org. The private JWK is field-encrypted (bound to
-- oidc_signing_keys/private_jwk_ciphertext/<kid>) under the platform org's data key, so a KEK rotation covers it.
-- A key is published from created_at and signs from signs_from (at least one access-token lifetime later); it stops
-- signing when a newer key's signs_from passes, and leaves the JWKS one token lifetime after that. Every node
-- derives the same schedule from these rows and its clock.
CREATE TABLE oidc_signing_keys (
  org_id text NOT NULL REFERENCES orgs (id),
  kid text NOT NULL CHECK (kid ~ '^sgk_[0-9a-z]{26}$'),
  alg text NOT NULL CHECK (alg = 'ES256'),
  public_jwk jsonb NOT NULL CHECK (jsonb_typeof(public_jwk) = 'object' AND NOT public_jwk ? 'd'),
  private_jwk_ciphertext text NOT NULL CHECK (private_jwk_ciphertext LIKE 'bwf1.%'),
  created_at timestamptz NOT NULL,
  signs_from timestamptz NOT NULL CHECK (signs_from >= created_at),
  PRIMARY KEY (org_id, kid)
);
CREATE INDEX oidc_signing_keys_schedule ON oidc_signing_keys (org_id, signs_from);
SELECT bulwark_protect_tenant_table('oidc_signing_keys', 'SELECT, INSERT, DELETE');
