-- Tenant tables: org_id leads every primary and foreign key so they can be distributed by org_id.
-- Each has ENABLE + FORCE row-level security with a policy on the transaction's bulwark.org_id;
-- with no tenant set, current_setting(..., true) is NULL or '' and no row matches (fails closed).

CREATE TABLE memberships (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^mem_[0-9a-z]{26}$'),
  user_id text NOT NULL REFERENCES users (id),
  roles text[] NOT NULL CHECK (cardinality(roles) >= 1),
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(attributes) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE service_accounts (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^svc_[0-9a-z]{26}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  roles text[] NOT NULL CHECK (cardinality(roles) >= 1),
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(attributes) = 'object'),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, name)
);

SELECT bulwark_protect_tenant_table('memberships', 'SELECT, INSERT, UPDATE, DELETE');
SELECT bulwark_protect_tenant_table('service_accounts', 'SELECT, INSERT, UPDATE, DELETE');

-- A tenant sees the users who are its members; the platform scope sees every user.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_platform ON users
  USING (current_setting('bulwark.scope', true) = 'platform')
  WITH CHECK (current_setting('bulwark.scope', true) = 'platform');
CREATE POLICY users_tenant_members ON users FOR SELECT
  USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.org_id = current_setting('bulwark.org_id', true)));
GRANT SELECT, INSERT, UPDATE ON users TO bulwark_app;
