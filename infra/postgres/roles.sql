-- The cluster's roles and databases, one role per component with only what it needs
-- (docs/security.md). Run by psql as the bootstrap superuser, connected to the `postgres` database,
-- on every start of the stack (`npm start`; the db-setup service in docker-compose.yml), so it is
-- idempotent and a changed password takes effect on the next start (that is how a secret is rotated).
--
-- psql variables, set before this file is included: write_db, read_db, admin_user, admin_password,
-- and one password per role: owner_password, command_api_password, debezium_password, projector_password, query_api_password,
-- notifier_password.
\set ON_ERROR_STOP on

-- The bootstrap superuser keeps the stack's generated password (a cluster made with another one
-- is taken over: the stack runs this over the local socket).
ALTER ROLE :"admin_user" WITH PASSWORD :'admin_password';

SELECT format('CREATE ROLE %I', name)
  FROM unnest(ARRAY['shop_owner', 'shop_command_api', 'shop_debezium', 'shop_projector', 'shop_query_api', 'shop_notifier']) AS name
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name)
\gexec

-- Every attribute is set, so a role changed by hand is put back. None is a superuser or may create
-- roles; only Debezium may replicate (a logical slot needs it), and only the write-side owner and
-- the projector own anything (their databases, below).
ALTER ROLE shop_owner       WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE shop_command_api WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'command_api_password';
ALTER ROLE shop_debezium    WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE REPLICATION   NOBYPASSRLS PASSWORD :'debezium_password';
ALTER ROLE shop_projector   WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'projector_password';
ALTER ROLE shop_query_api   WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'query_api_password';
ALTER ROLE shop_notifier    WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'notifier_password';

-- A statement that runs away is cut off. The command API's requests take milliseconds; the query
-- API's analytics at most seconds; the projector's rebuild copies a whole history in batches and
-- retention waits for a partition's lock; Debezium's snapshot of the outbox is one long read.
ALTER ROLE shop_owner       SET statement_timeout = '15min';
ALTER ROLE shop_command_api SET statement_timeout = '10s';
ALTER ROLE shop_query_api   SET statement_timeout = '30s';
ALTER ROLE shop_projector   SET statement_timeout = '5min';
ALTER ROLE shop_debezium    SET statement_timeout = '2h';
-- The notifier's statements are single-row reads and writes of its inbox, and a drain's window.
ALTER ROLE shop_notifier    SET statement_timeout = '60s';
-- The query API reads. Its grants are the boundary; this makes a write it did not mean to make
-- fail too (the console's one write, asking a projector for an operation, says READ WRITE).
ALTER ROLE shop_query_api   SET default_transaction_read_only = on;

-- The write database belongs to its owner (it runs the command API's migrations and owns the
-- publication), the read database to the projector (it migrates it, and a rebuild swaps schemas).
SELECT format('CREATE DATABASE %I OWNER shop_owner', :'write_db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'write_db')
\gexec
SELECT format('CREATE DATABASE %I OWNER shop_projector', :'read_db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'read_db')
\gexec
ALTER DATABASE :"write_db" OWNER TO shop_owner;
ALTER DATABASE :"read_db" OWNER TO shop_projector;

-- Only the stack's roles connect, each only where it works.
REVOKE ALL ON DATABASE :"write_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"read_db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"write_db" TO shop_command_api, shop_debezium, shop_projector, shop_query_api, shop_notifier;
GRANT CONNECT ON DATABASE :"read_db" TO shop_query_api, shop_notifier;

-- A cluster made before these roles existed has every object owned by the bootstrap superuser:
-- each database's objects are handed to its owner role, so upgrading keeps the data.
\set adopt_owner shop_owner
\connect :"write_db"
\ir adopt-objects.sql
\set adopt_owner shop_projector
\connect :"read_db"
\ir adopt-objects.sql
-- The notifier keeps its inbox in a schema of its own in the read database, which it owns and
-- migrates (notifier/migrations); it has no right on the projector's schemas, nor they on its.
CREATE SCHEMA IF NOT EXISTS notifier AUTHORIZATION shop_notifier;
ALTER SCHEMA notifier OWNER TO shop_notifier;
