-- Cache generations (docs/architecture.md, "Hot path"): one counter per org, bumped in the same transaction as every
-- change a node may cache (API keys, members, service accounts, org status, org policies, guard policies). A node
-- reads it on every authenticated request and trusts a cached principal, org status or policy only when it was
-- loaded under the generation it reads, so a committed revocation is refused on the next request on every node.
-- A row is created by the first bump; no row reads as generation 0.
CREATE TABLE org_generations (
  org_id text NOT NULL REFERENCES orgs (id),
  generation bigint NOT NULL CHECK (generation >= 0),
  PRIMARY KEY (org_id)
);
SELECT bulwark_protect_tenant_table('org_generations', 'SELECT, INSERT, UPDATE');
