-- Human sign-in: the credentials of global users (password, TOTP, recovery codes, passkeys) and the OAuth clients of
-- applications users sign in to. Users are global accounts, so their credentials are platform tables: only the
-- platform scope reads or writes them, and no org ever sees another's member's secrets.

CREATE TABLE user_passwords (
  user_id text PRIMARY KEY REFERENCES users (id),
  hash text NOT NULL CHECK (hash LIKE '$argon2id$%'),
  updated_at timestamptz NOT NULL
);

-- The TOTP secret is field-encrypted (bound to user_totp/secret_ciphertext/<user id>) under the platform org's data
-- key. last_used_step is the time step of the last accepted code: a code of that step or an earlier one is refused.
CREATE TABLE user_totp (
  user_id text PRIMARY KEY REFERENCES users (id),
  secret_ciphertext text NOT NULL CHECK (secret_ciphertext LIKE 'bwf1.%'),
  created_at timestamptz NOT NULL,
  confirmed_at timestamptz,
  last_used_step bigint
);

-- Single-use recovery codes, stored only as SHA-256 hashes (the codes carry 80 random bits).
CREATE TABLE user_recovery_codes (
  user_id text NOT NULL REFERENCES users (id),
  code_hash text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- WebAuthn credentials (passkeys). credential_id and public_key are base64url; counter is the signature counter
-- last seen (0 for authenticators that keep none).
CREATE TABLE user_passkeys (
  id text PRIMARY KEY CHECK (id ~ '^pky_[0-9a-z]{26}$'),
  user_id text NOT NULL REFERENCES users (id),
  credential_id text NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 16 AND 1400),
  public_key text NOT NULL CHECK (length(public_key) BETWEEN 16 AND 4096),
  counter bigint NOT NULL DEFAULT 0 CHECK (counter >= 0),
  transports text[] NOT NULL DEFAULT '{}',
  name text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
  created_at timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX user_passkeys_user ON user_passkeys (user_id);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['user_passwords', 'user_totp', 'user_recovery_codes', 'user_passkeys'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I USING ((SELECT bulwark_is_platform())) WITH CHECK ((SELECT bulwark_is_platform()))',
      t || '_platform', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO bulwark_app', t);
  END LOOP;
END $$;

-- Application clients: the apps an org's members sign in to with the authorization code flow (PKCE S256 always).
-- A public client (a browser or native app) authenticates with nothing ('none'); a confidential one as a service
-- client does. first_party clients (the console) skip the consent screen; only the platform org may create one.
ALTER TABLE oidc_clients ALTER COLUMN service_account_id DROP NOT NULL;
ALTER TABLE oidc_clients DROP CONSTRAINT oidc_clients_auth_method_check;
ALTER TABLE oidc_clients ADD CONSTRAINT oidc_clients_auth_method_check
  CHECK (auth_method IN ('client_secret_basic', 'private_key_jwt', 'none'));
ALTER TABLE oidc_clients
  ADD COLUMN kind text NOT NULL DEFAULT 'service' CHECK (kind IN ('service', 'app')),
  ADD COLUMN name text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
  ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}',
  ADD COLUMN post_logout_redirect_uris text[] NOT NULL DEFAULT '{}',
  ADD COLUMN first_party boolean NOT NULL DEFAULT false;
ALTER TABLE oidc_clients
  ADD CONSTRAINT oidc_clients_kind_owner CHECK ((kind = 'service') = (service_account_id IS NOT NULL)),
  ADD CONSTRAINT oidc_clients_app_redirects CHECK (kind = 'service' OR cardinality(redirect_uris) BETWEEN 1 AND 10),
  ADD CONSTRAINT oidc_clients_service_confidential CHECK (kind = 'app' OR auth_method <> 'none');
