-- A node loads the revoked access tokens of one org at a time (oidc/tokens/revoked-tokens.ts), to check a token's
-- first use from memory under the org's cache generation; this finds them without scanning other orgs' revocations.
-- Revocations recorded before this migration carry no org and are read for every org.
CREATE INDEX oidc_payloads_revoked_by_org ON oidc_payloads ((payload->>'org_id'))
  WHERE model = 'RevokedAccessToken';
