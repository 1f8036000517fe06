-- A passkey whose signature counter went back (two authenticators hold its key: a clone) is suspended, not deleted:
-- it signs in nobody until its user removes it and registers a new one, and its row keeps the evidence.
ALTER TABLE user_passkeys ADD COLUMN suspended_at timestamptz;
