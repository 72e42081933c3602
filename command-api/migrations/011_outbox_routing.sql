-- The shard count is data (docs/scaling.md, "Changing the shard count"). Each row says: events at
-- positions above `since_position` (up to the next row's) are routed by `shard_count`. The first
-- row routes the whole log by 8, as 004 did, so nothing changes for an existing stack. A count is
-- changed by `npm run shards`, which adds a row in one transaction that holds out every outbox
-- writer (outbox_switch_routing below), so the cut is one position P: every event at or below P
-- keeps the old count, every event above it gets the new one.
--
-- `drained_at` is when every event at or below `since_position` was applied or parked: only then
-- may the projectors consume the shards the new count added (an aggregate that moved to one of
-- them has older events still waiting in its old shard). The first row needs no drain.
CREATE TABLE outbox_routing (
  since_position bigint PRIMARY KEY CHECK (since_position >= 0),
  shard_count    integer NOT NULL CHECK (shard_count BETWEEN 1 AND 256),
  switched_at    timestamptz NOT NULL DEFAULT now(),
  drained_at     timestamptz
);
INSERT INTO outbox_routing (since_position, shard_count, drained_at) VALUES (0, 8, now());

-- The route of a new row from its position (the column default draws it before this trigger runs).
-- In READ COMMITTED each statement of this (volatile) function takes a fresh snapshot, so a row
-- drawn after a switch committed sees the switch's row; a row drawn before it was drawn by a
-- writer the switch waited for. A transaction with one snapshot (REPEATABLE READ) could miss a
-- switch that committed after its snapshot, so it may not write the outbox.
CREATE OR REPLACE FUNCTION outbox_route() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  shards integer;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'the outbox is written under READ COMMITTED only (its routing reads outbox_routing afresh), not %',
      current_setting('transaction_isolation');
  END IF;
  SELECT r.shard_count INTO shards FROM outbox_routing r
   WHERE r.since_position < NEW.position ORDER BY r.since_position DESC LIMIT 1;
  NEW.route := NEW.aggregatetype || '.' || (abs(hashtextextended(NEW.aggregatetype || ':' || NEW.aggregateid, 0)) % shards);
  RETURN NEW;
END
$$;

-- Switches the routing to `new_count` at the highest position drawn, and returns that position P.
-- LOCK ... SHARE waits for every transaction writing the outbox to end and keeps new writers out
-- until this one commits: no event above P can have been routed by the old count, none at or below
-- P can still be written. Only a split is allowed (each old shard s becomes s, s + old, ...), so an
-- aggregate that stays keeps its queue; going down is refused (docs/scaling.md).
CREATE FUNCTION outbox_switch_routing(new_count integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  current_row outbox_routing;
  cut bigint;
BEGIN
  LOCK TABLE public.outbox IN SHARE MODE;
  SELECT * INTO current_row FROM outbox_routing ORDER BY since_position DESC LIMIT 1;
  IF current_row.drained_at IS NULL THEN
    RAISE EXCEPTION 'the switch to % shards at position % is not drained yet', current_row.shard_count, current_row.since_position;
  END IF;
  IF new_count <= current_row.shard_count OR new_count % current_row.shard_count <> 0 THEN
    RAISE EXCEPTION 'from % shards only a multiple of it is allowed, not %', current_row.shard_count, new_count;
  END IF;
  SELECT coalesce(pg_sequence_last_value('public.outbox_position_seq'), 0) INTO cut;
  IF cut <= current_row.since_position THEN
    RAISE EXCEPTION 'no event since the last switch (position %)', cut;
  END IF;
  INSERT INTO outbox_routing (since_position, shard_count) VALUES (cut, new_count);
  RETURN cut;
END
$$;

-- Records that every event at or below `cut` was applied or parked (npm run shards checks it first).
CREATE FUNCTION outbox_mark_drained(cut bigint) RETURNS boolean
LANGUAGE sql AS $$
  UPDATE outbox_routing SET drained_at = coalesce(drained_at, now()) WHERE since_position = cut RETURNING true
$$;

-- The command API routes (the trigger runs as the writer), the projector and the query API read
-- the count; only the owner changes it.
GRANT SELECT ON outbox_routing TO shop_command_api, shop_projector, shop_query_api;
REVOKE EXECUTE ON FUNCTION outbox_switch_routing(integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION outbox_mark_drained(bigint) FROM PUBLIC;
