-- E-mail for human accounts: the mail outbox, invitations and password resets, and the proof that a user controls
-- their e-mail address. All three tables are platform tables (users are global accounts): only the platform scope
-- reads or writes them, so no org sees another org's mail, and no tenant transaction sees a link.

-- When the user last proved they read mail at `email` (an invitation accepted or a password reset completed).
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- Messages queued in the transaction of the change that causes them, delivered by the job runner's mail sweep.
-- SECURITY: the body carries a single-use link whose token is stored elsewhere only as a hash, so the body is the one
-- place the token exists. A delivery over SMTP clears it (status 'sent' has no body); with the development transport
-- the message becomes 'readable' and keeps its body for the operator (`bulwark outbox`) until it is purged.
CREATE TABLE mail_outbox (
  id text PRIMARY KEY CHECK (id ~ '^msg_[0-9a-z]{26}$'),
  purpose text NOT NULL CHECK (purpose IN ('invitation', 'password_reset', 'owner_setup')),
  recipient text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  body text CHECK (length(body) <= 20000),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'readable', 'sent', 'dead')),
  -- The transport that delivered it (null until delivered).
  transport text CHECK (transport IN ('outbox', 'smtp')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 100),
  next_attempt_at timestamptz NOT NULL,
  -- Set while one node's sweep is delivering it; another node takes it only once the lease has run out.
  leased_until timestamptz,
  last_error text CHECK (length(last_error) <= 1000),
  created_at timestamptz NOT NULL,
  delivered_at timestamptz,
  CONSTRAINT mail_outbox_sent_has_no_body CHECK (status <> 'sent' OR body IS NULL),
  CONSTRAINT mail_outbox_delivered CHECK ((status IN ('readable', 'sent')) = (delivered_at IS NOT NULL))
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'queued';
CREATE INDEX mail_outbox_readable ON mail_outbox (created_at DESC) WHERE status = 'readable';

-- Invitations: a link that lets a user without a password set one (and proves their e-mail). The token carries 256
-- random bits and is stored only as its SHA-256; it works once, until expires_at. `invited_to` names the org whose
-- membership caused it (shown on the page); it is not an `org_id`: the row belongs to the platform, not to that org.
CREATE TABLE user_invitations (
  token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  user_id text NOT NULL REFERENCES users (id),
  invited_to text NOT NULL REFERENCES orgs (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX user_invitations_user ON user_invitations (user_id) WHERE consumed_at IS NULL;

-- Password resets: the same kind of link, short-lived.
CREATE TABLE user_password_resets (
  token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  user_id text NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX user_password_resets_user ON user_password_resets (user_id) WHERE consumed_at IS NULL;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['mail_outbox', 'user_invitations', 'user_password_resets'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I USING ((SELECT bulwark_is_platform())) WITH CHECK ((SELECT bulwark_is_platform()))',
      t || '_platform', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO bulwark_app', t);
  END LOOP;
END $$;
