-- A single event is appended in one statement: the chain-head upsert computes the new hash in the database
-- (SHA-256 of prev_hash || canonical JSON, the canonical JSON split around its seq by the application) and keeps
-- the previous hash here so the event row can carry it.
ALTER TABLE audit_heads ADD COLUMN prev_hash text;
