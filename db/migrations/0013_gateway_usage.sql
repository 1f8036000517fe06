-- Gateway usage metering, plans (per-org limits), budgets, spending caps and the cost guard.
-- Money is integer micro-units of the currency (1 = 0.000001); prices are per one million tokens.

-- Platform price table: one row per model name; `*` is the fallback for a model without a row. Every scope may read it
-- (a tenant transaction prices its own calls); only the platform scope may change it.
CREATE TABLE gateway_prices (
  model text PRIMARY KEY CHECK (length(model) BETWEEN 1 AND 200),
  input_micros_per_mtok bigint NOT NULL CHECK (input_micros_per_mtok >= 0),
  output_micros_per_mtok bigint NOT NULL CHECK (output_micros_per_mtok >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE gateway_prices ENABLE ROW LEVEL SECURITY;
ALTER TABLE gateway_prices FORCE ROW LEVEL SECURITY;
CREATE POLICY gateway_prices_read ON gateway_prices FOR SELECT USING (true);
CREATE POLICY gateway_prices_insert ON gateway_prices FOR INSERT
  WITH CHECK ((SELECT bulwark_is_platform()));
CREATE POLICY gateway_prices_update ON gateway_prices FOR UPDATE
  USING ((SELECT bulwark_is_platform()))
  WITH CHECK ((SELECT bulwark_is_platform()));
GRANT SELECT, INSERT, UPDATE ON gateway_prices TO bulwark_app;
-- A conservative default (10 per 1M input tokens, 30 per 1M output tokens) so an unpriced model is never free.
INSERT INTO gateway_prices (model, input_micros_per_mtok, output_micros_per_mtok) VALUES ('*', 10000000, 30000000);

-- The org's plan limits and cost-guard state (one row per org; absent = no plan limits, cost guard in `block` mode).
CREATE TABLE gateway_limits (
  org_id text NOT NULL REFERENCES orgs (id),
  version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  monthly_tokens bigint CHECK (monthly_tokens >= 0),
  rpm integer CHECK (rpm >= 0),
  tpm integer CHECK (tpm >= 0),
  cost_guard_mode text NOT NULL DEFAULT 'block' CHECK (cost_guard_mode IN ('block', 'alert', 'off')),
  cost_guard_tripped_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id)
);
SELECT bulwark_protect_tenant_table('gateway_limits', 'SELECT, INSERT, UPDATE');

-- Budgets and spending caps: the org's budget (subject `org`, id ''), caps per role and per API key, daily or monthly.
CREATE TABLE gateway_spend_limits (
  org_id text NOT NULL REFERENCES orgs (id),
  subject_kind text NOT NULL CHECK (subject_kind IN ('org', 'role', 'key')),
  subject_id text NOT NULL CHECK (length(subject_id) <= 100),
  period text NOT NULL CHECK (period IN ('day', 'month')),
  limit_micros bigint NOT NULL CHECK (limit_micros >= 0),
  alert_thresholds integer[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (org_id, subject_kind, subject_id, period)
);
SELECT bulwark_protect_tenant_table('gateway_spend_limits', 'SELECT, INSERT, DELETE');

-- Authoritative counters per limit and period: `used` is settled, `reserved` is held by calls in flight.
-- INVARIANT: reserve() only raises `reserved` with `used + reserved + amount <= limit` in the same UPDATE.
CREATE TABLE gateway_counters (
  org_id text NOT NULL REFERENCES orgs (id),
  counter text NOT NULL CHECK (length(counter) <= 300),
  period_start date NOT NULL,
  used bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
  reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  PRIMARY KEY (org_id, counter, period_start)
);
SELECT bulwark_protect_tenant_table('gateway_counters', 'SELECT, INSERT, UPDATE');

-- One row per metered request: the reservation, then the settled usage. The request id makes settle idempotent.
CREATE TABLE gateway_usage (
  org_id text NOT NULL REFERENCES orgs (id),
  request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 100),
  principal_id text NOT NULL,
  api_key_id text,
  model text NOT NULL,
  state text NOT NULL CHECK (state IN ('reserved', 'settled', 'released')),
  input_micros_per_mtok bigint NOT NULL,
  output_micros_per_mtok bigint NOT NULL,
  reserved_tokens bigint NOT NULL CHECK (reserved_tokens >= 0),
  reserved_micros bigint NOT NULL CHECK (reserved_micros >= 0),
  input_tokens bigint NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens bigint NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  cost_micros bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
  -- The counters the reservation holds: [{"counter", "period_start", "amount", "unit": "micros"|"tokens"}].
  holds jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL,
  settled_at timestamptz,
  PRIMARY KEY (org_id, request_id)
);
CREATE INDEX gateway_usage_created ON gateway_usage (org_id, created_at);
CREATE INDEX gateway_usage_open ON gateway_usage (org_id, created_at) WHERE state = 'reserved';
SELECT bulwark_protect_tenant_table('gateway_usage', 'SELECT, INSERT, UPDATE');

-- Settled spend per org and minute, for the cost guard's short window and trailing baseline.
CREATE TABLE gateway_spend_minutes (
  org_id text NOT NULL REFERENCES orgs (id),
  minute timestamptz NOT NULL,
  spent_micros bigint NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
  PRIMARY KEY (org_id, minute)
);
SELECT bulwark_protect_tenant_table('gateway_spend_minutes', 'SELECT, INSERT, UPDATE');
