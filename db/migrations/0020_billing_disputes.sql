-- Refunds, disputes (with their entitlement freeze and evidence pack) and legal holds on an org's records.

-- Refunds of a payment. The row is also the refund's idempotency record, like a payment's: (org, Idempotency-Key) is
-- unique and `pending` marks a refund whose processor call has not been recorded. The processor's refund id is
-- field-encrypted, bound to the row.
CREATE TABLE billing_refunds (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^ref_[0-9a-z]{26}$'),
  payment_id text NOT NULL,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  reason text CHECK (length(reason) <= 64),
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
  processor_ciphertext text CHECK (processor_ciphertext IS NULL OR processor_ciphertext LIKE 'bwf1.%'),
  failure_code text CHECK (length(failure_code) <= 64),
  created_by text NOT NULL,
  claimed_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, idempotency_key),
  FOREIGN KEY (org_id, payment_id) REFERENCES billing_payments (org_id, id)
);
CREATE INDEX billing_refunds_payment ON billing_refunds (org_id, payment_id);
SELECT bulwark_protect_tenant_table('billing_refunds', 'SELECT, INSERT, UPDATE');

-- Disputes of a payment, opened by the processor's `charge.dispute.created`. `processor_digest` (SHA-256 of the
-- processor's dispute id) finds the row from later events without storing the id in the clear; the id itself is
-- field-encrypted. `freeze_active` is the freeze of the org's paid entitlements this dispute holds.
CREATE TABLE billing_disputes (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^dsp_[0-9a-z]{26}$'),
  payment_id text NOT NULL,
  processor_digest text NOT NULL CHECK (processor_digest ~ '^[0-9a-f]{64}$'),
  processor_ciphertext text NOT NULL CHECK (processor_ciphertext LIKE 'bwf1.%'),
  amount bigint NOT NULL CHECK (amount >= 0),
  currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  reason text NOT NULL CHECK (length(reason) <= 64),
  status text NOT NULL CHECK (status IN ('open', 'won', 'lost')),
  evidence_state text NOT NULL CHECK (evidence_state IN ('none', 'staged', 'submitted')),
  freeze_active boolean NOT NULL,
  period_from timestamptz NOT NULL,
  period_to timestamptz NOT NULL,
  -- The evidence pack: ids, counts and hashes from the audit chain and usage records, never PII or secrets.
  evidence_pack jsonb NOT NULL,
  -- What was staged at the processor (the pack's text fields plus the operator's own text).
  staged_evidence jsonb NOT NULL DEFAULT '{}',
  submitted_by text,
  submitted_at timestamptz,
  closed_at timestamptz,
  freeze_lifted_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, processor_digest),
  FOREIGN KEY (org_id, payment_id) REFERENCES billing_payments (org_id, id)
);
CREATE INDEX billing_disputes_frozen ON billing_disputes (org_id) WHERE freeze_active;
SELECT bulwark_protect_tenant_table('billing_disputes', 'SELECT, INSERT, UPDATE');

-- Legal holds (owned by the audit module): a period of an org's records that no retention prune may delete.
-- Holds are never updated or deleted by the app (a release, when built, is a new row kind, not a deletion).
CREATE TABLE audit_legal_holds (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^hld_[0-9a-z]{26}$'),
  held_from timestamptz NOT NULL,
  held_to timestamptz NOT NULL CHECK (held_to >= held_from),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 64),
  source_id text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, source_id)
);
SELECT bulwark_protect_tenant_table('audit_legal_holds', 'SELECT, INSERT');

-- Retention prune of gateway usage rows: the app may delete settled or released rows, and the database itself
-- refuses (restrictive policy) to delete a row whose time falls inside one of the org's legal holds.
GRANT DELETE ON gateway_usage TO bulwark_app;
CREATE POLICY gateway_usage_not_held ON gateway_usage AS RESTRICTIVE FOR DELETE
  USING (
    state <> 'reserved'
    AND NOT EXISTS (
      SELECT 1 FROM audit_legal_holds h
      WHERE h.org_id = gateway_usage.org_id AND gateway_usage.created_at BETWEEN h.held_from AND h.held_to
    )
  );
