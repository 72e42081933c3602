-- The inbox is pruned below a watermark: every event at or below `pruned_through` (an outbox
-- position) was applied and its outbox row archived (Debezium can no longer publish it again), so
-- its inbox row may go. A message that still arrives at or below it (a duplicate held in a queue
-- all along) is a duplicate: the projector skips it by position, as it would by its id.
-- `occurred_before`: the newest pruned event's time; a Consistency-Token issued before it may name
-- pruned events, and is answered at once. In `read`: a rebuild's new inbox is complete again, and
-- its empty copy of this table means nothing is pruned.
CREATE TABLE read.inbox_pruning (
  id              boolean PRIMARY KEY DEFAULT true CHECK (id),
  pruned_through  bigint NOT NULL,
  occurred_before timestamptz,
  pruned_at       timestamptz NOT NULL DEFAULT now()
);

-- Retention forgets the dead letters that were handled (re-driven and applied) once they are at or
-- below the watermark: it finds them through their position.
CREATE INDEX dead_letters_position_idx ON read.dead_letters (position);
