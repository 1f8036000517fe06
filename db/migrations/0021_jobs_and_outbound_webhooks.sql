-- Background jobs and outbound webhooks.
--
-- Jobs are rows of one table, so a job enqueued in a use case's transaction commits (or rolls back) with its effect.
-- A job belongs to an org (org_id first in its key, like every tenant table): a tenant transaction enqueues and sees
-- only its own org's jobs. The runner leases due jobs of every org in the platform scope, which a second policy
-- admits; it then runs each handler in a transaction of its own, so no lease is held across a handler.
CREATE TABLE jobs (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^job_[0-9a-z]{26}$'),
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
  -- The same key is enqueued once per org (INSERT … ON CONFLICT DO NOTHING).
  dedupe_key text CHECK (length(dedupe_key) BETWEEN 1 AND 255),
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'dead')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
  run_at timestamptz NOT NULL,
  -- Who holds the job while it runs, and until when; a lease past its expiry is taken again (its node died).
  lease_token text CHECK (length(lease_token) <= 64),
  leased_until timestamptz,
  last_error text CHECK (length(last_error) <= 1000),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, dedupe_key)
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE status IN ('queued', 'running');
SELECT bulwark_protect_tenant_table('jobs', 'SELECT, INSERT, UPDATE');
-- SECURITY: only the platform scope (the runner) sees every org's jobs; a tenant transaction sees its own.
CREATE POLICY jobs_runner ON jobs
  USING ((SELECT bulwark_is_platform()))
  WITH CHECK ((SELECT bulwark_is_platform()));

-- Where an org wants its events sent. The signing secret is field-encrypted (FieldCipher, bound to
-- webhook_endpoints/secret_ciphertext/<id>); it is shown once, at creation.
CREATE TABLE webhook_endpoints (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^whe_[0-9a-z]{26}$'),
  url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  event_types text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 20),
  description text CHECK (length(description) <= 500),
  secret_ciphertext text NOT NULL CHECK (secret_ciphertext LIKE 'bwf1.%'),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  -- A deleted endpoint keeps its delivery log; it receives nothing more.
  deleted_at timestamptz,
  PRIMARY KEY (org_id, id)
);
SELECT bulwark_protect_tenant_table('webhook_endpoints', 'SELECT, INSERT, UPDATE');

-- Every event an org published, with the exact body that is signed and sent (a replay sends the same bytes).
CREATE TABLE webhook_events (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^wev_[0-9a-z]{26}$'),
  type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,4}$'),
  body text NOT NULL CHECK (length(body) <= 65536),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
SELECT bulwark_protect_tenant_table('webhook_events', 'SELECT, INSERT');

-- One delivery per (event, endpoint), and one more per replay.
CREATE TABLE webhook_deliveries (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^whd_[0-9a-z]{26}$'),
  endpoint_id text NOT NULL,
  event_id text NOT NULL,
  replay_of text,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_status_code integer CHECK (last_status_code BETWEEN 100 AND 599),
  last_error text CHECK (length(last_error) <= 500),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, endpoint_id) REFERENCES webhook_endpoints (org_id, id),
  FOREIGN KEY (org_id, event_id) REFERENCES webhook_events (org_id, id),
  FOREIGN KEY (org_id, replay_of) REFERENCES webhook_deliveries (org_id, id)
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (org_id, endpoint_id, created_at DESC, id DESC);
SELECT bulwark_protect_tenant_table('webhook_deliveries', 'SELECT, INSERT, UPDATE');

-- Each HTTP attempt of a delivery: what the receiver answered (status code) or why it could not be reached.
CREATE TABLE webhook_delivery_attempts (
  org_id text NOT NULL REFERENCES orgs (id),
  delivery_id text NOT NULL,
  attempt integer NOT NULL CHECK (attempt >= 1),
  status_code integer CHECK (status_code BETWEEN 100 AND 599),
  error text CHECK (length(error) <= 500),
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  attempted_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, delivery_id, attempt),
  FOREIGN KEY (org_id, delivery_id) REFERENCES webhook_deliveries (org_id, id)
);
SELECT bulwark_protect_tenant_table('webhook_delivery_attempts', 'SELECT, INSERT');
