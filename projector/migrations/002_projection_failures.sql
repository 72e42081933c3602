-- Real projection failures of an event (its transaction failed for a reason other than the
-- database being away), counted by the projector itself: it parks the event after
-- PROJECTOR_MAX_ATTEMPTS of them. Redeliveries after a crash, a broker restart or a closed
-- channel are not failures and are not counted (RabbitMQ's x-delivery-count counts them all).
CREATE TABLE read.projection_failures (
  event_id       uuid PRIMARY KEY,
  attempts       integer NOT NULL,
  last_error     text NOT NULL,
  last_failed_at timestamptz NOT NULL DEFAULT now()
);
