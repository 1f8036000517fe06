-- Prompts and model routes of the gateway, under change control.
-- Both are a head row per name plus immutable, append-only versions. The head row holds the current version number
-- (it is what a writer locks and what the ETag names); a rollback to version N appends a new version whose content
-- equals N's, so history is never rewritten and a rollback can itself be rolled back. The app role may INSERT
-- versions but never UPDATE or DELETE them.

CREATE TABLE gateway_prompts (
  org_id text NOT NULL REFERENCES orgs (id),
  name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
  head_version integer NOT NULL CHECK (head_version >= 1),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, name)
);

CREATE TABLE gateway_prompt_versions (
  org_id text NOT NULL REFERENCES orgs (id),
  prompt_name text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  template text NOT NULL CHECK (length(template) BETWEEN 1 AND 32768),
  -- The declared variables: [{"name", "max_length", "required"}].
  variables jsonb NOT NULL CHECK (jsonb_typeof(variables) = 'array'),
  -- Set on a version made by a rollback: the version whose content it copies.
  restored_from integer CHECK (restored_from IS NULL OR restored_from >= 1),
  created_by jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, prompt_name, version),
  FOREIGN KEY (org_id, prompt_name) REFERENCES gateway_prompts (org_id, name)
);

CREATE TABLE gateway_routes (
  org_id text NOT NULL REFERENCES orgs (id),
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$'),
  head_version integer NOT NULL CHECK (head_version >= 1),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, name)
);

CREATE TABLE gateway_route_versions (
  org_id text NOT NULL REFERENCES orgs (id),
  route_name text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  -- The weighted targets in fallback order: [{"model", "weight"}], weights summing to 100.
  targets jsonb NOT NULL CHECK (jsonb_typeof(targets) = 'array'),
  -- The shadow target's model name, or NULL.
  shadow_model text CHECK (shadow_model IS NULL OR length(shadow_model) BETWEEN 1 AND 128),
  restored_from integer CHECK (restored_from IS NULL OR restored_from >= 1),
  created_by jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, route_name, version),
  FOREIGN KEY (org_id, route_name) REFERENCES gateway_routes (org_id, name)
);

-- One row per shadow call: how the shadow's answer compared with the primary's. Never the answers' text.
CREATE TABLE gateway_shadow_comparisons (
  org_id text NOT NULL REFERENCES orgs (id),
  request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 100),
  route_name text NOT NULL,
  route_version integer NOT NULL,
  primary_model text NOT NULL,
  shadow_model text NOT NULL,
  -- `compared` (both answered), `shadow_failed`, or `skipped` (policy, quota or circuit kept the shadow from running).
  outcome text NOT NULL CHECK (outcome IN ('compared', 'shadow_failed', 'skipped')),
  reason_code text CHECK (reason_code IS NULL OR length(reason_code) <= 100),
  exact_match boolean,
  primary_chars integer,
  shadow_chars integer,
  primary_tokens integer,
  shadow_tokens integer,
  primary_latency_ms integer,
  shadow_latency_ms integer,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, request_id),
  FOREIGN KEY (org_id, route_name) REFERENCES gateway_routes (org_id, name)
);
CREATE INDEX gateway_shadow_comparisons_route ON gateway_shadow_comparisons (org_id, route_name, created_at);

SELECT bulwark_protect_tenant_table('gateway_prompts', 'SELECT, INSERT, UPDATE');
SELECT bulwark_protect_tenant_table('gateway_prompt_versions', 'SELECT, INSERT');
SELECT bulwark_protect_tenant_table('gateway_routes', 'SELECT, INSERT, UPDATE');
SELECT bulwark_protect_tenant_table('gateway_route_versions', 'SELECT, INSERT');
SELECT bulwark_protect_tenant_table('gateway_shadow_comparisons', 'SELECT, INSERT');
