-- Signed tenant context. Until now every row-level-security policy read the raw settings bulwark.org_id and
-- bulwark.scope, which bulwark_app itself may set: SQL injected into org A's transaction could
-- set_config('bulwark.org_id', B) and read org B, or set_config('bulwark.scope', 'platform') and read every org.
--
-- Now the app sets one setting, bulwark.context = '<claim>|<tag>', where claim is 'tenant:<org id>' or 'platform'
-- and tag = hex(HMAC-SHA256(K, claim | backend pid | transaction start in microseconds)). K is derived from the key
-- vault by the app (src/platform/db/tenant-context-key.ts) and installed here by the owner connection as HMAC's two
-- padded key blocks, in a table bulwark_app cannot read. The policies admit rows only through the SECURITY DEFINER
-- function below, which recomputes the tag. Binding the tag to this backend and this transaction's start means a tag
-- seen once (in a log, or by an injection into org B's own transaction) opens nothing in any other transaction.

-- SECURITY: owner-only. bulwark_app (and so any serving login) may read which vault key K came from, never K.
CREATE TABLE tenant_context_key (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  mac_key_id text NOT NULL CHECK (length(mac_key_id) BETWEEN 1 AND 200),
  -- HMAC's inner and outer key blocks: K zero-padded to 64 bytes, XOR 0x36 and XOR 0x5c (RFC 2104).
  inner_pad bytea NOT NULL CHECK (length(inner_pad) = 64),
  outer_pad bytea NOT NULL CHECK (length(outer_pad) = 64),
  installed_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON tenant_context_key FROM PUBLIC;
GRANT SELECT (mac_key_id) ON tenant_context_key TO bulwark_app;

-- The verified claim of this transaction ('tenant:<org id>' or 'platform'), or NULL when the context is missing,
-- malformed or not signed by K for this backend and transaction.
CREATE FUNCTION bulwark_context_claim() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT c.claim
    FROM (SELECT split_part(context, '|', 1) AS claim, split_part(context, '|', 2) AS tag
            FROM (SELECT current_setting('bulwark.context', true) AS context) setting
           WHERE length(context) <= 200) c,
         public.tenant_context_key k
   -- SECURITY: comparing digests of both sides, not the tags, so how long the comparison takes says nothing about
   -- how many leading characters of a guessed tag were right.
   WHERE sha256(convert_to(encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(
           c.claim || '|' || pg_backend_pid()::text || '|' ||
           (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text, 'UTF8'))), 'hex'), 'UTF8'))
         = sha256(convert_to(c.tag, 'UTF8'))
$$;
REVOKE ALL ON FUNCTION bulwark_context_claim() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bulwark_context_claim() TO bulwark_app;

/* The org of this transaction's verified tenant context, or NULL. */
CREATE FUNCTION bulwark_tenant_org() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN claim LIKE 'tenant:%' THEN substr(claim, 8) END FROM bulwark_context_claim() AS claim
$$;
GRANT EXECUTE ON FUNCTION bulwark_tenant_org() TO bulwark_app;

/* Whether this transaction's verified context is the platform scope. */
CREATE FUNCTION bulwark_is_platform() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(bulwark_context_claim() = 'platform', false)
$$;
GRANT EXECUTE ON FUNCTION bulwark_is_platform() TO bulwark_app;

-- Every existing policy is rewritten from the raw settings to the verified ones. Each check is wrapped in a scalar
-- sub-select, so PostgreSQL evaluates it once per query (an InitPlan), not once per row.
DO $$
DECLARE
  p record;
  using_clause text;
  check_clause text;
BEGIN
  FOR p IN SELECT schemaname, tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' LOOP
    using_clause := p.qual;
    check_clause := p.with_check;
    using_clause := regexp_replace(using_clause, '\(current_setting\(''bulwark\.scope''(::text)?, true\) = ''platform''(::text)?\)', '(SELECT bulwark_is_platform())', 'g');
    check_clause := regexp_replace(check_clause, '\(current_setting\(''bulwark\.scope''(::text)?, true\) = ''platform''(::text)?\)', '(SELECT bulwark_is_platform())', 'g');
    using_clause := regexp_replace(using_clause, 'current_setting\(''bulwark\.org_id''(::text)?, true\)', '(SELECT bulwark_tenant_org())', 'g');
    check_clause := regexp_replace(check_clause, 'current_setting\(''bulwark\.org_id''(::text)?, true\)', '(SELECT bulwark_tenant_org())', 'g');
    IF using_clause IS NOT NULL THEN
      EXECUTE format('ALTER POLICY %I ON %I.%I USING (%s)', p.policyname, p.schemaname, p.tablename, using_clause);
    END IF;
    IF check_clause IS NOT NULL THEN
      EXECUTE format('ALTER POLICY %I ON %I.%I WITH CHECK (%s)', p.policyname, p.schemaname, p.tablename, check_clause);
    END IF;
  END LOOP;
  -- INVARIANT: no policy is left reading a raw setting.
  IF EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public'
             AND (coalesce(qual, '') LIKE '%current_setting%' OR coalesce(with_check, '') LIKE '%current_setting%')) THEN
    RAISE EXCEPTION 'a row-level-security policy still reads current_setting';
  END IF;
END
$$;

-- Tenant tables created from now on get the verified check too.
CREATE OR REPLACE FUNCTION bulwark_protect_tenant_table(target regclass, privileges text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format($p$CREATE POLICY tenant_isolation ON %s
    USING (org_id = (SELECT bulwark_tenant_org()))
    WITH CHECK (org_id = (SELECT bulwark_tenant_org()))$p$, target);
  EXECUTE format('GRANT %s ON %s TO bulwark_app', privileges, target);
END
$$;
REVOKE ALL ON FUNCTION bulwark_protect_tenant_table(regclass, text) FROM PUBLIC;
