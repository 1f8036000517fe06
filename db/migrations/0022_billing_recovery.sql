-- Failed-payment recovery: one case per failed payment, classified by its decline code, with its retry schedule
-- and state; and the billing outbox, where the e-mails that ask a customer to act are rendered (never card data).

CREATE TABLE billing_recovery_cases (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^rcv_[0-9a-z]{26}$'),
  payment_id text NOT NULL,
  -- The card the failed payment was made with; a case for an expired card charges only a card added after it.
  payment_method_id text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('insufficient_funds', 'expired_card', 'authentication_required', 'do_not_honor', 'hard_decline')),
  decline_code text NOT NULL CHECK (length(decline_code) BETWEEN 1 AND 64),
  state text NOT NULL CHECK (state IN ('open', 'recovered', 'exhausted', 'hard_declined', 'awaiting_customer')),
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  -- Schedule slots used so far, and processor charges made (each under its own idempotency key).
  step integer NOT NULL DEFAULT 0 CHECK (step >= 0),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz,
  -- Set while attempt `attempts` is at the processor and not yet recorded (a crashed attempt is retried under it).
  attempt_claimed_at timestamptz,
  intent_ciphertext text CHECK (intent_ciphertext IS NULL OR intent_ciphertext LIKE 'bwf1.%'),
  action_url text CHECK (length(action_url) <= 2048),
  last_decline_code text CHECK (length(last_decline_code) <= 64),
  opened_at timestamptz NOT NULL,
  grace_ends_at timestamptz NOT NULL,
  closed_at timestamptz,
  recovered_amount bigint NOT NULL DEFAULT 0 CHECK (recovered_amount >= 0),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, payment_id),
  FOREIGN KEY (org_id, payment_id) REFERENCES billing_payments (org_id, id),
  FOREIGN KEY (org_id, payment_method_id) REFERENCES billing_payment_methods (org_id, id)
);
CREATE INDEX billing_recovery_cases_due ON billing_recovery_cases (org_id, next_attempt_at)
  WHERE state IN ('open', 'awaiting_customer');
SELECT bulwark_protect_tenant_table('billing_recovery_cases', 'SELECT, INSERT, UPDATE');

-- Messages to the org's billing contacts (owners and finance members), rendered when queued. A sender marks
-- `sent_at`; the body holds a hosted link and amounts, never a card number or a processor id.
CREATE TABLE billing_outbox (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^msg_[0-9a-z]{26}$'),
  kind text NOT NULL CHECK (kind IN ('recovery_authenticate', 'recovery_update_card')),
  audience text NOT NULL CHECK (audience IN ('billing_contacts')),
  case_id text NOT NULL,
  subject text NOT NULL CHECK (length(subject) <= 200),
  body text NOT NULL CHECK (length(body) <= 10000),
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, case_id) REFERENCES billing_recovery_cases (org_id, id)
);
SELECT bulwark_protect_tenant_table('billing_outbox', 'SELECT, INSERT, UPDATE');
