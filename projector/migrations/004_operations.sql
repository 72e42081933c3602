-- Rebuilds and reconciles asked for by an operator (the console or the CLI), with their progress,
-- in the schema `audit` so a rebuild (which swaps `read`) keeps them. A projector claims a
-- requested operation and runs it; at most one of each kind is requested or running at a time.
CREATE TABLE audit.operations (
  id           bigserial PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('rebuild', 'reconcile')),
  state        text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'running', 'succeeded', 'failed')),
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  -- Moved on by the runner while it works: a running operation whose heartbeat stops was lost
  -- with its process and is failed by the next projector that looks.
  heartbeat_at timestamptz,
  finished_at  timestamptz,
  phase        text,
  done         bigint,
  total        bigint,
  result       jsonb,
  error        text
);
CREATE UNIQUE INDEX operations_one_active_per_kind ON audit.operations (kind) WHERE state IN ('requested', 'running');
CREATE INDEX operations_kind_id_idx ON audit.operations (kind, id DESC);
