-- Plans are charged: a paid plan's price is paid when it is activated or upgraded (prorated) and again at every
-- period end by the renewal job. The subscription keeps its paid period, and an activation whose payment waits on
-- 3-D Secure keeps the plan it waits for and the payment it waits on (the webhook applies it once paid).

ALTER TABLE billing_subscriptions
  ADD COLUMN current_period_start timestamptz,
  ADD COLUMN current_period_end timestamptz,
  ADD COLUMN pending_plan text CHECK (pending_plan IN ('pro', 'enterprise')),
  ADD COLUMN pending_payment_id text,
  ADD CONSTRAINT billing_subscriptions_period CHECK (
    (current_period_start IS NULL) = (current_period_end IS NULL) AND
    (current_period_end IS NULL OR current_period_end > current_period_start)),
  ADD CONSTRAINT billing_subscriptions_pending CHECK ((pending_plan IS NULL) = (pending_payment_id IS NULL)),
  ADD CONSTRAINT billing_subscriptions_pending_payment
    FOREIGN KEY (org_id, pending_payment_id) REFERENCES billing_payments (org_id, id);
