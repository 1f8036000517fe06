-- Append-only audit log with one hash chain per org: hash = SHA-256(prev_hash || canonical JSON of the event).
-- docs/audit-format.md documents the algorithm so a third party can verify an export.
CREATE TABLE audit_events (
  org_id text NOT NULL REFERENCES orgs (id),
  seq bigint NOT NULL CHECK (seq >= 1),
  id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor jsonb NOT NULL,
  action text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+){2,}$'),
  resource jsonb,
  decision text CHECK (decision IN ('allow', 'deny', 'block', 'redact', 'quarantine', 'charge', 'freeze', 'info', 'error')),
  reason_codes text[] NOT NULL DEFAULT '{}',
  request_id text,
  client_ip text,
  user_agent text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (org_id, seq),
  UNIQUE (org_id, id)
);
CREATE INDEX audit_events_action ON audit_events (org_id, action, seq);

-- The chain head of each org. Appends lock this row, so concurrent writers of one org serialise
-- and the sequence stays gap-free, while different orgs append in parallel.
CREATE TABLE audit_heads (
  org_id text PRIMARY KEY REFERENCES orgs (id),
  seq bigint NOT NULL,
  hash text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- SECURITY: the app may only read and append events; the trigger also stops the owner unless it
-- deliberately disables triggers, which verification then exposes.
SELECT bulwark_protect_tenant_table('audit_events', 'SELECT, INSERT');
SELECT bulwark_protect_tenant_table('audit_heads', 'SELECT, INSERT, UPDATE');

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
