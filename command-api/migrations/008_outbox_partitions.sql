-- Bounded outbox: the event log is partitioned by time (occurred_at), so old history leaves the
-- live table by detaching whole partitions, which writes no row changes to the WAL (Debezium sees
-- nothing) and costs no scan or vacuum of the live table. A detached partition is attached to
-- outbox_archive.events, still read by a rebuild through outbox_history, until the operator
-- exports and drops it (docs/retention.md).
--
-- Debezium reads the partitioned table through its root (the publication is created with
-- publish_via_partition_root, see ensure_outbox_publication), so every event still arrives as
-- public.outbox whatever partition holds it.

-- The unpartitioned table steps aside; its rows are copied below, before the new table is in the
-- publication, so copying publishes nothing again.
ALTER TABLE outbox RENAME TO outbox_unpartitioned;
ALTER TABLE outbox_unpartitioned RENAME CONSTRAINT outbox_pkey TO outbox_unpartitioned_pkey;
ALTER TABLE outbox_unpartitioned RENAME CONSTRAINT outbox_position_key TO outbox_unpartitioned_position_key;
ALTER SEQUENCE outbox_position_seq RENAME TO outbox_unpartitioned_position_seq;
DROP TRIGGER outbox_route ON outbox_unpartitioned;

-- Postgres 15 has no identity columns on partitioned tables: a plain sequence, continuing where
-- the identity left off.
CREATE SEQUENCE outbox_position_seq AS bigint;
SELECT setval('outbox_position_seq', last_value, is_called) FROM outbox_unpartitioned_position_seq;

-- The same columns. A partitioned table's keys must hold the partition key: the primary key is
-- (id, occurred_at) and position is indexed, not declared unique (the sequence makes it so).
CREATE TABLE outbox (
  id                 uuid NOT NULL,
  aggregatetype      text NOT NULL,
  aggregateid        text NOT NULL,
  type               text NOT NULL,
  payload            jsonb NOT NULL,
  occurred_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  schema_version     integer NOT NULL DEFAULT 1,
  position           bigint NOT NULL DEFAULT nextval('outbox_position_seq'),
  route              text NOT NULL,
  tracingspancontext text,
  PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE outbox_position_seq OWNED BY outbox.position;
CREATE INDEX outbox_position_idx ON outbox (position);
CREATE TRIGGER outbox_route BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_route();

-- Rows outside every partition (partition upkeep fell behind) land here rather than failing the
-- write. They are kept: the default partition is never archived.
CREATE TABLE outbox_default PARTITION OF outbox DEFAULT;

-- The live outbox's time partitions (not the default one), oldest first.
CREATE FUNCTION outbox_live_partitions() RETURNS TABLE (name text, from_at timestamptz, to_at timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT c.relname::text, b[1]::timestamptz, b[2]::timestamptz
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), $r$FROM \('([^']+)'\) TO \('([^']+)'\)$r$) AS b
   WHERE i.inhparent = 'public.outbox'::regclass
     AND b IS NOT NULL -- the default partition has no range
   ORDER BY 2
$$;

-- One partition [from_at, to_at), named after its lower bound (outbox_p20261202t000000); false
-- when the range overlaps a partition or the default partition already holds rows of it (those
-- rows stay there: nothing is lost, that range is just never archived).
CREATE FUNCTION outbox_create_partition(from_at timestamptz, to_at timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TABLE public.%I PARTITION OF public.outbox FOR VALUES FROM (%L) TO (%L)',
                 'outbox_p' || to_char(from_at AT TIME ZONE 'UTC', 'YYYYMMDD"t"HH24MISS'), from_at, to_at);
  RETURN true;
EXCEPTION WHEN invalid_object_definition OR check_violation OR duplicate_table THEN
  RAISE NOTICE 'outbox partition [%, %) left out: %', from_at, to_at, SQLERRM;
  RETURN false;
END
$$;

-- Extends the partitions forward to cover `until`: from where the newest one ends (or from the
-- current step when that is in the past: the rows of a gap are in the default partition), in
-- steps aligned to 2000-01-01 UTC, so changing the step never makes ranges overlap. Returns how
-- many were created.
CREATE FUNCTION outbox_create_partitions(step interval, until timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  origin constant timestamptz := timestamptz '2000-01-01 00:00:00+00';
  lower_bound timestamptz;
  upper_bound timestamptz;
  created integer := 0;
BEGIN
  IF step < interval '1 minute' THEN
    RAISE EXCEPTION 'outbox partition step % is shorter than a minute', step;
  END IF;
  SELECT greatest(max(p.to_at), date_bin(step, clock_timestamp(), origin)) INTO lower_bound FROM outbox_live_partitions() p;
  WHILE lower_bound <= until LOOP
    upper_bound := date_bin(step, lower_bound, origin) + step;
    IF outbox_create_partition(lower_bound, upper_bound) THEN
      created := created + 1;
    END IF;
    lower_bound := upper_bound;
  END LOOP;
  RETURN created;
END
$$;

-- Daily partitions for the history being copied, the last one ending now; the command API then
-- creates them forward with its configured step (OUTBOX_PARTITION_INTERVAL).
DO $$
DECLARE
  lower_bound timestamptz := date_bin(interval '1 day', (SELECT min(occurred_at) FROM outbox_unpartitioned),
                                      timestamptz '2000-01-01 00:00:00+00');
  copied_until constant timestamptz := clock_timestamp();
BEGIN
  WHILE lower_bound < copied_until LOOP
    PERFORM outbox_create_partition(lower_bound, least(lower_bound + interval '1 day', copied_until));
    lower_bound := lower_bound + interval '1 day';
  END LOOP;
END
$$;
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, occurred_at, schema_version, position, route, tracingspancontext)
SELECT id, aggregatetype, aggregateid, type, payload, occurred_at, schema_version, position, route, tracingspancontext
  FROM outbox_unpartitioned
 ORDER BY position;
DROP TABLE outbox_unpartitioned;

-- The archive: detached partitions, attached here as they are (no copy). Each archived partition
-- is recorded, so a rebuild can tell which history it no longer has once one is dropped.
CREATE SCHEMA outbox_archive;
CREATE TABLE outbox_archive.events (LIKE outbox INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (occurred_at);
ALTER TABLE outbox_archive.events ALTER COLUMN position DROP DEFAULT;
ALTER TABLE outbox_archive.events ADD PRIMARY KEY (id, occurred_at);
CREATE INDEX events_position_idx ON outbox_archive.events (position);
CREATE TABLE outbox_archive.partitions (
  name         text PRIMARY KEY,
  from_at      timestamptz NOT NULL,
  to_at        timestamptz NOT NULL,
  min_position bigint,
  max_position bigint,
  events       bigint NOT NULL,
  archived_at  timestamptz NOT NULL DEFAULT now()
);

-- The whole event log, archive first: what a rebuild replays.
CREATE VIEW outbox_history AS
  SELECT id, aggregatetype, aggregateid, type, payload, occurred_at, schema_version, position, route FROM outbox_archive.events
  UNION ALL
  SELECT id, aggregatetype, aggregateid, type, payload, occurred_at, schema_version, position, route FROM outbox;

-- Moves one partition from the live outbox to the archive, if every event in it is at or below
-- `checked_through` (the reconciler's mark: each is projected, parked or listed missing). The
-- check runs after DETACH has taken its lock, so a transaction still writing into the partition
-- has committed by then and is counted. Returns the number of events moved, or null when the
-- partition was kept (not there, the default, or holding events above the mark).
CREATE FUNCTION outbox_archive_partition(partition_name text, checked_through bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  lower_bound timestamptz;
  upper_bound timestamptz;
  low bigint;
  high bigint;
  total bigint;
BEGIN
  SELECT p.from_at, p.to_at INTO lower_bound, upper_bound FROM outbox_live_partitions() p WHERE p.name = partition_name;
  IF lower_bound IS NULL THEN
    RETURN NULL;
  END IF;
  BEGIN
    EXECUTE format('ALTER TABLE public.outbox DETACH PARTITION public.%I', partition_name);
    EXECUTE format('SELECT min(position), max(position), count(*) FROM public.%I', partition_name)
       INTO low, high, total;
    IF high > checked_through THEN
      RAISE EXCEPTION 'unchecked' USING ERRCODE = 'PA001';
    END IF;
  EXCEPTION WHEN SQLSTATE 'PA001' THEN
    RETURN NULL; -- the detach is undone with the block
  END;
  EXECUTE format('ALTER TABLE public.%I SET SCHEMA outbox_archive', partition_name);
  EXECUTE format('ALTER TABLE outbox_archive.events ATTACH PARTITION outbox_archive.%I FOR VALUES FROM (%L) TO (%L)',
                 partition_name, lower_bound, upper_bound);
  INSERT INTO outbox_archive.partitions (name, from_at, to_at, min_position, max_position, events)
  VALUES (partition_name, lower_bound, upper_bound, low, high, total);
  RETURN total;
END
$$;

-- Debezium's publication: the outbox through its root, the heartbeat and the signal table.
-- Created here, before Debezium first starts, because Debezium's own (publish.via.partition.root)
-- applies only when it creates one; an existing publication is switched to publishing through the
-- root and given the new outbox (the old one it held was dropped above).
CREATE FUNCTION ensure_outbox_publication(publication text, signal_table text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = publication) THEN
    EXECUTE format('CREATE PUBLICATION %I FOR TABLE public.outbox, public.debezium_heartbeat, public.%I WITH (publish_via_partition_root = true)',
                   publication, signal_table);
  ELSE
    EXECUTE format('ALTER PUBLICATION %I SET TABLE public.outbox, public.debezium_heartbeat, public.%I',
                   publication, signal_table);
    EXECUTE format('ALTER PUBLICATION %I SET (publish_via_partition_root = true)', publication);
  END IF;
END
$$;
