-- Per-org guard class policies (allow, mask, redact, block, quarantine per finding class), versioned like the
-- authorization policies: every change is a new version and the highest version is in force.
CREATE TABLE org_guard_policies (
  org_id text NOT NULL REFERENCES orgs (id),
  version integer NOT NULL CHECK (version >= 1),
  policy jsonb NOT NULL CHECK (jsonb_typeof(policy) = 'object'),
  created_by jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, version)
);
SELECT bulwark_protect_tenant_table('org_guard_policies', 'SELECT, INSERT');
