-- Quarantine of the guard: risky model responses held from the user until a reviewer releases or discards
-- them. The held text is field-encrypted (FieldCipher, bound to quarantine_items/content_ciphertext/<id>);
-- findings hold classes, spans, confidence and reason codes only, never the matched text.
-- SECURITY: there is no DELETE grant. Discarding keeps the row (the evidence of what was held, why and by
-- whom it was reviewed) but erases the ciphertext, which destroys the held content for good; the audit
-- trail of the hold and the review remains.
CREATE TABLE quarantine_items (
  org_id text NOT NULL REFERENCES orgs (id),
  id text NOT NULL CHECK (id ~ '^qtn_[0-9a-z]{26}$'),
  created_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'released', 'discarded')),
  hook text NOT NULL CHECK (hook IN ('input', 'output')),
  reason_codes text[] NOT NULL CHECK (cardinality(reason_codes) >= 1),
  findings jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(findings) = 'array'),
  request_id text,
  actor jsonb NOT NULL CHECK (jsonb_typeof(actor) = 'object'),
  model text,
  content_ciphertext text NOT NULL,
  content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes integer NOT NULL CHECK (size_bytes >= 0),
  reviewed_by jsonb CHECK (reviewed_by IS NULL OR jsonb_typeof(reviewed_by) = 'object'),
  reviewed_at timestamptz,
  review_note text CHECK (length(review_note) <= 1000),
  expires_at timestamptz,
  PRIMARY KEY (org_id, id),
  -- A held item has no review and keeps its content; a reviewed one names its reviewer and time.
  CHECK ((status = 'held') = (reviewed_at IS NULL AND reviewed_by IS NULL)),
  CHECK (status <> 'held' OR review_note IS NULL),
  CHECK (status <> 'held' OR content_ciphertext <> ''),
  CHECK (status <> 'discarded' OR content_ciphertext = '')
);
-- Serves the review queue: one status, newest first, keyset on id (ids sort by creation time).
CREATE INDEX quarantine_items_status ON quarantine_items (org_id, status, id);

SELECT bulwark_protect_tenant_table('quarantine_items', 'SELECT, INSERT, UPDATE');

-- SECURITY: the evidence of a hold never changes, and a review is final: once released or discarded, the
-- status, reviewer, time and note stay as they are (the service's conditional UPDATE is the first line; this
-- trigger also stops a buggy or hostile query of the app role).
CREATE FUNCTION quarantine_items_guard_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.org_id, NEW.id, NEW.created_at, NEW.hook, NEW.reason_codes, NEW.findings, NEW.request_id, NEW.actor, NEW.model, NEW.content_sha256, NEW.size_bytes)
     IS DISTINCT FROM (OLD.org_id, OLD.id, OLD.created_at, OLD.hook, OLD.reason_codes, OLD.findings, OLD.request_id, OLD.actor, OLD.model, OLD.content_sha256, OLD.size_bytes) THEN
    RAISE EXCEPTION 'quarantine evidence is immutable' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status <> 'held' AND (NEW.status, NEW.reviewed_by, NEW.reviewed_at, NEW.review_note)
     IS DISTINCT FROM (OLD.status, OLD.reviewed_by, OLD.reviewed_at, OLD.review_note) THEN
    RAISE EXCEPTION 'quarantine item % was already reviewed', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER quarantine_items_guard_update BEFORE UPDATE ON quarantine_items
  FOR EACH ROW EXECUTE FUNCTION quarantine_items_guard_update();
