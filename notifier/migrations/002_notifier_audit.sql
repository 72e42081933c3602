-- The notifier's audit (notifier/src/audit): the outbox log compared with this inbox, window by
-- window, as the projector's reconciler compares it with the read side (shared/src/read-side).
--
-- One row: every outbox event above the baseline and at or below `checked_through` has a row in
-- notifier.inbox (delivered, parked, skipped or recorded) or is listed in notifier.missing_events.
CREATE TABLE notifier.audit (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  checked_through bigint NOT NULL DEFAULT 0,
  checked_at timestamptz
);
INSERT INTO notifier.audit DEFAULT VALUES;

-- Events committed longer ago than the grace period (NOTIFIER_AUDIT_GRACE_MS) that never reached the
-- inbox although their shard has gone past them: a notification that will not come by itself. A row
-- stays until the event has an inbox row (then the audit deletes it): reported, never dropped.
CREATE TABLE notifier.missing_events (
  event_id uuid PRIMARY KEY,
  position bigint NOT NULL,
  occurred_at timestamptz NOT NULL,
  found_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX missing_events_position ON notifier.missing_events (position);

-- How far each shard has got (the audit's "a later event of the shard is settled"): one index probe per shard.
CREATE INDEX inbox_shard_position ON notifier.inbox (shard, position);

-- The query API reports the notifier beside the projector (sync-status, npm run lag, /metrics, the
-- console): it reads these, and of the inbox only what says where an event stands, never the
-- notification's body.
GRANT USAGE ON SCHEMA notifier TO shop_query_api;
GRANT SELECT ON notifier.audit, notifier.missing_events, notifier.baseline TO shop_query_api;
GRANT SELECT (event_id, position, shard, event_type, state, occurred_at, settled_at) ON notifier.inbox TO shop_query_api;
