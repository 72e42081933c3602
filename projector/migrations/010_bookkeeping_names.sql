-- One vocabulary for the read side's bookkeeping (docs/architecture.md, "Positions on the log").
-- The names grew with the features and said different things for the same idea; here they are
-- made to say what each table is:
--   read.processed_events → read.inbox: the dedupe log of applied events ("inbox" in the code);
--     processed_at → applied_at.
--   read.inbox_counts → read.shard_progress: per shard (the rows were "buckets"), how many events
--     it applied and the highest outbox position among them (not a watermark: events below it may
--     still be on their way in other shards, so "highest", not "through").
--   schema audit → reconciler: it holds the reconciler's state, not an audit trail;
--     audit.reconciler → reconciler.progress (checked_through).
--   audit.operations → operations.requests: the rebuilds and reconciles operators ask for.
-- Grants and default privileges follow the objects; the query API keeps reading what it read.

ALTER TABLE read.processed_events RENAME TO inbox;
ALTER TABLE read.inbox RENAME COLUMN processed_at TO applied_at;
ALTER INDEX read.processed_events_pkey RENAME TO inbox_pkey;
ALTER INDEX read.processed_events_seq_key RENAME TO inbox_seq_key;
ALTER INDEX read.processed_events_occurred_idx RENAME TO inbox_occurred_idx;
ALTER INDEX read.processed_events_position_idx RENAME TO inbox_position_idx;

ALTER TABLE read.inbox_counts RENAME TO shard_progress;
ALTER TABLE read.shard_progress RENAME COLUMN bucket TO shard;
ALTER TABLE read.shard_progress RENAME COLUMN processed TO applied;
ALTER TABLE read.shard_progress RENAME COLUMN max_position TO highest_applied;
ALTER INDEX read.inbox_counts_pkey RENAME TO shard_progress_pkey;

ALTER SCHEMA audit RENAME TO reconciler;
ALTER TABLE reconciler.reconciler RENAME TO progress;

CREATE SCHEMA operations;
ALTER TABLE reconciler.operations SET SCHEMA operations;
ALTER TABLE operations.operations RENAME TO requests;
ALTER SEQUENCE operations.operations_id_seq RENAME TO requests_id_seq;
GRANT USAGE ON SCHEMA operations TO shop_query_api;

-- The old batch function names the old tables in its body; migration 011 replaces it with one
-- function per read model.
DROP FUNCTION projection.apply_batch(uuid[], text[], text[], text[], timestamptz[], bigint[], int[], text[], text[],
  numeric[], int[], timestamptz[], int[], int[], bigint[], timestamptz[], bigint[], int[], int[], bigint[],
  timestamptz[], bigint[], int[], int[], text[], int[], bigint[], bigint[], int[], bigint[], bigint[], int[],
  text[], bigint[], int[], int[], bigint[], int[], int[], bigint[], bigint[], bigint, text, uuid[]);
