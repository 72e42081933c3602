-- Least privilege on the write side (docs/security.md). This database and its objects belong to
-- shop_owner, which runs these migrations; the roles below (made by infra/postgres/roles.sql)
-- get exactly what their component does, nothing by default.

-- Nobody but the owner creates objects here (PostgreSQL 15's default too, made explicit).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- The command API: its business tables, appending to the outbox (never reading or changing it),
-- the pipeline's identity for its consistency tokens, and whether its migrations ran.
GRANT SELECT, INSERT, UPDATE, DELETE ON products, orders, order_items, idempotency_keys TO shop_command_api;
GRANT INSERT ON outbox TO shop_command_api;
GRANT USAGE ON SEQUENCE outbox_position_seq, orders_id_seq TO shop_command_api;
GRANT SELECT ON pipeline_identity, schema_migrations TO shop_command_api;

-- Debezium: reads the outbox (snapshots), writes its heartbeat and its snapshot watermarks in the
-- signal table. It cannot write the outbox. Its offsets table: ensure_debezium_offset_table below.
GRANT SELECT ON outbox TO shop_debezium;
GRANT SELECT, INSERT, UPDATE ON debezium_heartbeat TO shop_debezium;
GRANT SELECT, INSERT, DELETE ON debezium_signal TO shop_debezium;

-- The projector: reads the whole log (the reconciler's audits, a rebuild's replay, retention's
-- checks) and asks Debezium for a snapshot of what it found missing. It cannot touch the business
-- tables or write the outbox.
GRANT SELECT ON outbox, outbox_history TO shop_projector;
-- The highest position drawn (pg_sequence_last_value), which screens a message's position.
GRANT SELECT ON SEQUENCE outbox_position_seq TO shop_projector;
GRANT USAGE ON SCHEMA outbox_archive TO shop_projector;
GRANT SELECT ON outbox_archive.events, outbox_archive.partitions TO shop_projector;
GRANT INSERT ON debezium_signal TO shop_projector;

-- The query API's lag view reads the outbox's tail; read-your-writes checks that a token names
-- this pipeline (its identity).
GRANT SELECT ON outbox, pipeline_identity TO shop_query_api;

-- DDL the runtime roles need, each through one function that runs as the owner and does only its
-- job: the command API creates the outbox's partitions ahead, the projector's retention moves an
-- old one to the archive. A fixed search_path, so no caller's schema can stand in for ours.
ALTER FUNCTION outbox_create_partition(timestamptz, timestamptz) SECURITY DEFINER SET search_path = pg_catalog, public;
ALTER FUNCTION outbox_create_partitions(interval, timestamptz) SECURITY DEFINER SET search_path = pg_catalog, public;
ALTER FUNCTION outbox_archive_partition(text, bigint) SECURITY DEFINER SET search_path = pg_catalog, public;
REVOKE EXECUTE ON FUNCTION outbox_create_partition(timestamptz, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION outbox_create_partitions(interval, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION outbox_archive_partition(text, bigint) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ensure_outbox_publication(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_create_partitions(interval, timestamptz) TO shop_command_api;
GRANT EXECUTE ON FUNCTION outbox_archive_partition(text, bigint) TO shop_projector;

-- Debezium's JDBC offset store, under its configured name (DEBEZIUM_OFFSET_TABLE), made by the
-- owner before Debezium first starts (Debezium, which may not create tables here, otherwise makes
-- it itself): text columns, since an incremental snapshot's offsets outgrow the default
-- varchar(1255); a table an older Debezium made is widened. Debezium keeps it; the lag view reads it.
CREATE FUNCTION ensure_debezium_offset_table(table_name text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  EXECUTE format('CREATE TABLE IF NOT EXISTS public.%I (id varchar(36) NOT NULL PRIMARY KEY, offset_key text, '
                 'offset_val text, record_insert_ts timestamp NOT NULL, record_insert_seq integer NOT NULL)', table_name);
  IF EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_schema = 'public' AND information_schema.columns.table_name = ensure_debezium_offset_table.table_name
                AND column_name = 'offset_val' AND data_type = 'character varying') THEN
    EXECUTE format('ALTER TABLE public.%I ALTER COLUMN offset_key TYPE text, ALTER COLUMN offset_val TYPE text', table_name);
  END IF;
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO shop_debezium', table_name);
  EXECUTE format('GRANT SELECT ON public.%I TO shop_query_api', table_name);
END
$$;
REVOKE EXECUTE ON FUNCTION ensure_debezium_offset_table(text) FROM PUBLIC;
