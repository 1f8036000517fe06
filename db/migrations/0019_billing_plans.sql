-- Billing plans: each org's subscription to a plan of the code-defined catalogue (Free when it has none), the
-- idempotency records of subscription changes, and the metered usage reported to the processor. The subscription's
-- setup intent (the card check of a trial) is field-encrypted, bound to its row.

-- One subscription per org; `version` grows with every change (optimistic concurrency and cache invalidation).
CREATE TABLE billing_subscriptions (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^sub_[0-9a-z]{26}$'),
  plan text NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
  status text NOT NULL CHECK (status IN ('incomplete', 'trialing', 'active', 'past_due', 'canceled')),
  trial_ends_at timestamptz,
  payment_method_id text,
  setup_intent_ciphertext text CHECK (setup_intent_ciphertext IS NULL OR setup_intent_ciphertext LIKE 'bwf1.%'),
  action_url text CHECK (length(action_url) <= 2048),
  decline_code text CHECK (length(decline_code) <= 64),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, payment_method_id) REFERENCES billing_payment_methods (org_id, id)
);
SELECT bulwark_protect_tenant_table('billing_subscriptions', 'SELECT, INSERT, UPDATE');

-- Subscription changes by Idempotency-Key: `pending` while one is being made (a concurrent duplicate gets 409), then
-- the answer replayed to a retry; the request hash tells a retry from another request with the key.
CREATE TABLE billing_subscription_requests (
  org_id text NOT NULL REFERENCES orgs (id),
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  result jsonb,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, idempotency_key)
);
SELECT bulwark_protect_tenant_table('billing_subscription_requests', 'SELECT, INSERT, UPDATE, DELETE');

-- Metered usage reported to the processor, one row per org and period: the processor event id is derived from
-- them, so a second report of a period is the same event and the processor counts it once.
CREATE TABLE billing_usage_reports (
  org_id text NOT NULL REFERENCES orgs (id),
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
  event_id text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 100),
  tokens bigint NOT NULL CHECK (tokens >= 0),
  reported_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, period)
);
SELECT bulwark_protect_tenant_table('billing_usage_reports', 'SELECT, INSERT');
