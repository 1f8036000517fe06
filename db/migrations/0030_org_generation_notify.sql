-- Pushed cache invalidation (docs/architecture.md, "Hot path"): every change of an org's cache generation, by any
-- writer (a node, an operator's shell, a migration), notifies channel `bulwark_org_generation` with
-- '<org_id> <generation>'. PostgreSQL delivers a notification only when its transaction commits, and delivers the
-- notifications of different transactions in commit order, so a node that listens, and that has heard back a
-- heartbeat it sent itself, has heard of every change committed before it sent that heartbeat.
CREATE FUNCTION bulwark_notify_org_generation() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM pg_notify('bulwark_org_generation', NEW.org_id || ' ' || NEW.generation::text);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION bulwark_notify_org_generation() FROM PUBLIC;

CREATE TRIGGER org_generations_notify AFTER INSERT OR UPDATE OF generation ON org_generations
FOR EACH ROW EXECUTE FUNCTION bulwark_notify_org_generation();
