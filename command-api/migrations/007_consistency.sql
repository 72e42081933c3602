-- Read-your-writes (the Consistency-Token, shared/src/consistency/token.ts).
-- This deployment's identity, drawn once: a token names it, so the query API refuses a token of
-- another deployment instead of waiting for events it will never see.
CREATE TABLE pipeline_identity (
  id     boolean PRIMARY KEY DEFAULT true CHECK (id),
  source uuid NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO pipeline_identity DEFAULT VALUES;

-- A replayed response (Idempotency-Key) carries the first response's token.
ALTER TABLE idempotency_keys ADD COLUMN consistency_token text;
