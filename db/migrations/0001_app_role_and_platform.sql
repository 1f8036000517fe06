-- The role every application query runs as. It owns no table and lacks BYPASSRLS, so
-- row-level security applies to it (a table owner or superuser would silently bypass it).
-- Roles are cluster-wide: another database on the same server may have created it already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bulwark_app') THEN
    CREATE ROLE bulwark_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

-- The connecting role must be able to SET ROLE bulwark_app (superusers always can).
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'bulwark_app', 'MEMBER') THEN
    EXECUTE format('GRANT bulwark_app TO %I', current_user);
  END IF;
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO bulwark_app;

-- Makes a table a tenant table: ENABLE + FORCE row-level security, the policy that admits only the rows of the
-- transaction's org (bulwark.org_id), and the app role's privileges. Every tenant table goes through it.
CREATE FUNCTION bulwark_protect_tenant_table(target regclass, privileges text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format($p$CREATE POLICY tenant_isolation ON %s
    USING (org_id = current_setting('bulwark.org_id', true))
    WITH CHECK (org_id = current_setting('bulwark.org_id', true))$p$, target);
  EXECUTE format('GRANT %s ON %s TO bulwark_app', privileges, target);
END
$$;
REVOKE ALL ON FUNCTION bulwark_protect_tenant_table(regclass, text) FROM PUBLIC;

-- Which environment created this database; a server of another environment refuses to open it.
CREATE TABLE platform_meta (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  environment text NOT NULL CHECK (environment IN ('development', 'test', 'production')),
  created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON platform_meta TO bulwark_app;

-- Orgs are the tenants. A tenant transaction sees only its own org; the platform scope sees all.
CREATE TABLE orgs (
  id text PRIMARY KEY CHECK (id ~ '^org_[0-9a-z]{26}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen')),
  -- The one org whose owners operate the platform (create and list orgs).
  is_platform boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX orgs_single_platform ON orgs ((true)) WHERE is_platform;
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY orgs_tenant ON orgs
  USING (id = current_setting('bulwark.org_id', true))
  WITH CHECK (id = current_setting('bulwark.org_id', true));
CREATE POLICY orgs_platform ON orgs
  USING (current_setting('bulwark.scope', true) = 'platform')
  WITH CHECK (current_setting('bulwark.scope', true) = 'platform');
-- SECURITY: no UPDATE of id, slug or is_platform, so the app can never promote an org to platform operator.
GRANT SELECT, INSERT ON orgs TO bulwark_app;
GRANT UPDATE (name, status, updated_at) ON orgs TO bulwark_app;

-- Users are global identities; a tenant sees only users who are members of it.
CREATE TABLE users (
  id text PRIMARY KEY CHECK (id ~ '^usr_[0-9a-z]{26}$'),
  email text NOT NULL,
  display_name text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- One-time bootstrap secrets (stored only as a hash) that exchange for the platform owner's first credential.
CREATE TABLE bootstrap_secrets (
  id text PRIMARY KEY,
  secret_hash text NOT NULL,
  user_id text NOT NULL REFERENCES users (id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE bootstrap_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE bootstrap_secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY bootstrap_secrets_platform ON bootstrap_secrets
  USING (current_setting('bulwark.scope', true) = 'platform')
  WITH CHECK (current_setting('bulwark.scope', true) = 'platform');
GRANT SELECT, INSERT, UPDATE ON bootstrap_secrets TO bulwark_app;
