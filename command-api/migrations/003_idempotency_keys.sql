-- Responses of POSTs sent with an Idempotency-Key, so a retry returns the first response and
-- writes nothing new. The row is written in the command's own transaction.
CREATE TABLE idempotency_keys (
  key         text PRIMARY KEY,
  fingerprint text NOT NULL,
  status      integer,
  body        text, -- the JSON response exactly as first sent
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
