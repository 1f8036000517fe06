-- The end of the `hwk` stand-in: an owner's first key carries `hwk` only because the owner registered a passkey
-- when redeeming a one-time setup secret (the bootstrap secret for the platform owner, an owner setup secret for
-- each new org's owner). Setup secrets live in bootstrap_secrets, now with the org they open and the WebAuthn
-- challenge of the ceremony in progress (its options were handed out; the redemption must answer them).
-- (`opens_org`, not `org_id`: this is a platform table, not a tenant table keyed by its org.)
ALTER TABLE bootstrap_secrets ADD COLUMN opens_org text REFERENCES orgs (id);
UPDATE bootstrap_secrets SET opens_org = (SELECT id FROM orgs WHERE is_platform);
ALTER TABLE bootstrap_secrets ALTER COLUMN opens_org SET NOT NULL;
ALTER TABLE bootstrap_secrets ADD COLUMN passkey_challenge text CHECK (length(passkey_challenge) <= 200);
CREATE INDEX bootstrap_secrets_org ON bootstrap_secrets (opens_org);

-- SECURITY: every `hwk` an API key carries so far came from the stand-in (the bootstrap secret, or a key minted by
-- one that had it), not from a WebAuthn ceremony: it is removed. Administrative actions then need a key minted in a
-- passkey session, or an owner setup secret from the operator's shell (`bulwark owner-setup`).
UPDATE api_keys SET amr = array_remove(amr, 'hwk') WHERE 'hwk' = ANY (amr);
