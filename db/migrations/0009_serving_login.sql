-- The server connects with a login role that owns nothing and is only a member of bulwark_app (see
-- docs/architecture.md, "Database roles"); migrations run over a separate owner connection. The serving login reads
-- the schema state for /readyz and `bulwark doctor` through bulwark_app, and never writes it.
GRANT SELECT ON schema_migrations TO bulwark_app;

-- The login itself is created by `bulwark migrate` from the user and password in DATABASE_URL (or by the operator:
-- CREATE ROLE bulwark_server LOGIN PASSWORD '…' NOINHERIT IN ROLE bulwark_app). A migration cannot: roles are
-- cluster-wide and its password is configuration, not schema.
