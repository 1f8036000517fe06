-- Billing: the org's account at the payment processor, its saved cards, its payments, and the processor's webhook
-- events. No card number is ever stored: cards are the processor's tokens. Processor ids (customer, payment method,
-- payment intent) are field-encrypted (FieldCipher, bound to <table>/<column>/<row id>), so a copied ciphertext
-- fails to decrypt in another row or org.

-- One processor customer per org.
CREATE TABLE billing_accounts (
  org_id text NOT NULL REFERENCES orgs (id),
  processor text NOT NULL CHECK (processor IN ('stripe', 'sandbox')),
  customer_ciphertext text NOT NULL CHECK (customer_ciphertext LIKE 'bwf1.%'),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id)
);
SELECT bulwark_protect_tenant_table('billing_accounts', 'SELECT, INSERT');

-- Saved cards: what the processor returned of them (brand, last 4 digits, expiry), never the number.
CREATE TABLE billing_payment_methods (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^pmt_[0-9a-z]{26}$'),
  processor_ciphertext text NOT NULL CHECK (processor_ciphertext LIKE 'bwf1.%'),
  brand text NOT NULL CHECK (length(brand) <= 32),
  last4 text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  exp_month integer NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
  exp_year integer NOT NULL CHECK (exp_year BETWEEN 2000 AND 2200),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
SELECT bulwark_protect_tenant_table('billing_payment_methods', 'SELECT, INSERT');

-- Payments. The row is also the charge's idempotency record: (org, Idempotency-Key) is unique, the request hash
-- tells a retry from a different request, and `pending` marks a charge whose processor call has not been recorded.
CREATE TABLE billing_payments (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^pay_[0-9a-z]{26}$'),
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
  payment_method_id text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  description text CHECK (length(description) <= 500),
  status text NOT NULL CHECK (status IN ('pending', 'requires_action', 'failed', 'succeeded')),
  intent_ciphertext text CHECK (intent_ciphertext IS NULL OR intent_ciphertext LIKE 'bwf1.%'),
  decline_code text CHECK (length(decline_code) <= 64),
  action_url text CHECK (length(action_url) <= 2048),
  created_by text NOT NULL,
  claimed_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, idempotency_key),
  FOREIGN KEY (org_id, payment_method_id) REFERENCES billing_payment_methods (org_id, id)
);
SELECT bulwark_protect_tenant_table('billing_payments', 'SELECT, INSERT, UPDATE');

-- Every verified processor event, once: a replayed event id is refused; the outcome says what it changed.
CREATE TABLE billing_webhook_events (
  org_id text NOT NULL REFERENCES orgs (id),
  event_id text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 255),
  type text NOT NULL CHECK (length(type) <= 100),
  outcome text NOT NULL CHECK (outcome IN ('applied', 'stale', 'ignored')),
  received_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, event_id)
);
SELECT bulwark_protect_tenant_table('billing_webhook_events', 'SELECT, INSERT');
