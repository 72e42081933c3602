-- The broker is a trust boundary (docs/guarantees.md): a well-formed, plausible message that the
-- write side never committed is applied like any other (nothing on the message gives it away).
-- The reconciler finds such events afterwards: it looks each inbox entry up in the outbox log, in
-- the order they were applied, and lists those the log does not hold as "unknown" (sync-status,
-- npm run lag, /metrics, /health, the console). Their effects stay in the read models until a
-- rebuild recomputes them from the outbox; the new inbox no longer holds them, and they are no
-- longer reported.

-- One row: every entry of the inbox table `inbox_table` (its oid: a rebuild swaps in a new one,
-- numbered from 1 again) with seq at or below `checked_through` was looked up in the outbox log.
CREATE TABLE audit.inbox_check (
  id              boolean PRIMARY KEY DEFAULT true CHECK (id),
  inbox_table     oid,
  checked_through bigint NOT NULL DEFAULT 0,
  checked_at      timestamptz
);
INSERT INTO audit.inbox_check DEFAULT VALUES;

-- Applied events that are not in the outbox log, as the inbox recorded them. Counted while their
-- inbox entry exists (retention keeps those entries, src/retention/inbox-pruning.ts).
CREATE TABLE audit.unknown_events (
  event_id       uuid PRIMARY KEY,
  event_type     text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id   text NOT NULL,
  occurred_at    timestamptz NOT NULL,
  position       bigint,
  found_at       timestamptz NOT NULL DEFAULT now()
);
