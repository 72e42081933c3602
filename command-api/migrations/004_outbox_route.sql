-- Route of each event: `<aggregatetype>.<shard>`, the shard a stable hash of the aggregate. Debezium's
-- EventRouter routes on it (topic outbox.event.<route>), so all events of one aggregate reach one
-- of the projector's shard queues, in commit order. The shard count (8) is SHARD_COUNT in
-- shared/src/messaging/topology.ts; changing it needs a drained pipeline and a new migration.
-- A trigger, not a generated column: Postgres 15 does not replicate generated columns.
ALTER TABLE outbox ADD COLUMN route text;

CREATE FUNCTION outbox_route() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.route := NEW.aggregatetype || '.' || (abs(hashtextextended(NEW.aggregatetype || ':' || NEW.aggregateid, 0)) % 8);
  RETURN NEW;
END
$$;

CREATE TRIGGER outbox_route BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_route();

UPDATE outbox SET route = aggregatetype || '.' || (abs(hashtextextended(aggregatetype || ':' || aggregateid, 0)) % 8);
ALTER TABLE outbox ALTER COLUMN route SET NOT NULL;
