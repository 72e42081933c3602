-- Least privilege on the read side (docs/security.md). This database and its objects belong to
-- shop_projector, which runs these migrations and rebuilds the read models; the query API
-- (shop_query_api, made by infra/postgres/roles.sql) only reads them.

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

GRANT USAGE ON SCHEMA read, audit TO shop_query_api;
GRANT SELECT ON ALL TABLES IN SCHEMA read, audit TO shop_query_api;

-- What the console may change: it asks a projector for a rebuild or a reconcile.
GRANT INSERT ON audit.operations TO shop_query_api;
GRANT USAGE ON SEQUENCE audit.operations_id_seq TO shop_query_api;

-- A rebuild builds the read models in a new schema and swaps it in; the tables and schemas the
-- projector creates from now on (the shadow schema included) are readable by the query API as
-- they are made, so a rebuild keeps the query API's grants.
ALTER DEFAULT PRIVILEGES FOR ROLE shop_projector GRANT USAGE ON SCHEMAS TO shop_query_api;
ALTER DEFAULT PRIVILEGES FOR ROLE shop_projector GRANT SELECT ON TABLES TO shop_query_api;

-- Applying a batch is the projector's job alone.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA projection FROM PUBLIC;
