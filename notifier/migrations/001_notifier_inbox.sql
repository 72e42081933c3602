-- The notifier's inbox, in its own schema `notifier` of the read database (made by
-- infra/postgres/roles.sql, owned by shop_notifier; these migrations run with it as search path).
--
-- One row per event the notifier consumed, written once the event is settled for good: delivered
-- (only after the receiver answered 2xx), parked (refused, or its attempts ran out), skipped (a
-- type that is not notified), recorded (no webhook is configured: kept here only). An event with a
-- row is never POSTed again by the consumer; one without a row is not done, and comes back.
-- "Missing" is then one anti-join: an outbox event of type OrderPlaced or OrderCancelled older than
-- a grace period with no row here (by event_id; position narrows the window).
CREATE TABLE notifier.inbox (
  event_id uuid PRIMARY KEY,
  -- The outbox position (null when the message did not carry one).
  position bigint,
  shard integer NOT NULL,
  event_type text NOT NULL,
  -- The order of an OrderPlaced or OrderCancelled; null for the other types.
  order_id bigint,
  state text NOT NULL CHECK (state IN ('delivered', 'parked', 'skipped', 'recorded')),
  -- POSTs made for it, re-drives included (0: skipped or recorded).
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error text,
  -- The notification exactly as POSTed and signed (the re-drive sends these bytes); null when
  -- skipped, or parked because this build cannot read the event's version.
  body text,
  occurred_at timestamptz,
  received_at timestamptz NOT NULL DEFAULT now(),
  settled_at timestamptz NOT NULL DEFAULT now(),
  redriven_at timestamptz,
  CHECK (state NOT IN ('delivered', 'recorded') OR body IS NOT NULL)
);

-- GET /api/notifications?orderId=: an order's notifications in log order.
CREATE INDEX inbox_order ON notifier.inbox (order_id, position) WHERE order_id IS NOT NULL;
-- The missing check and the drain of a change of the shard count walk positions.
CREATE INDEX inbox_position ON notifier.inbox (position);
-- The re-drive lists what is parked.
CREATE INDEX inbox_parked ON notifier.inbox (position) WHERE state = 'parked';

-- Where the notifier's responsibility starts: the write side's highest position when it first
-- started (notifier/src/inbox/baseline.ts). Events at or below it may have been published before
-- its queues existed, so they are neither expected in the inbox nor waited for by a drain; on a
-- stack that ran the notifier from its start it is 0.
CREATE TABLE notifier.baseline (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  since_position bigint NOT NULL CHECK (since_position >= 0),
  taken_at timestamptz NOT NULL DEFAULT now()
);
