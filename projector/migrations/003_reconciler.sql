-- The reconciler's own state, outside the schema `read` so a rebuild (which swaps `read`) keeps it.
CREATE SCHEMA audit;

-- One row: every outbox event at or below `checked_through` is projected, parked, or listed in
-- audit.missing_events.
CREATE TABLE audit.reconciler (
  id              boolean PRIMARY KEY DEFAULT true CHECK (id),
  checked_through bigint NOT NULL DEFAULT 0,
  checked_at      timestamptz
);
INSERT INTO audit.reconciler DEFAULT VALUES;

-- Events committed longer ago than the grace period and neither projected nor parked. A row stays
-- until the event is handled (then the reconciler deletes it); heals are re-requested while it stays.
CREATE TABLE audit.missing_events (
  event_id          uuid PRIMARY KEY,
  position          bigint NOT NULL,
  occurred_at       timestamptz NOT NULL,
  found_at          timestamptz NOT NULL DEFAULT now(),
  heal_requests     integer NOT NULL DEFAULT 0,
  heal_requested_at timestamptz
);
CREATE INDEX missing_events_position_idx ON audit.missing_events (position);

-- How many events the inbox holds and the highest outbox position applied, kept in the
-- projector's batch transactions (one row per shard, so shards never wait on each other; -1 for
-- events applied outside a shard, e.g. by a rebuild): nothing counts the whole inbox on a
-- request, and the reconciler knows how far each shard has got.
CREATE TABLE read.inbox_counts (
  bucket       integer PRIMARY KEY,
  processed    bigint NOT NULL,
  max_position bigint
);
INSERT INTO read.inbox_counts (bucket, processed, max_position)
SELECT -1, count(*), max(position) FROM read.processed_events;
