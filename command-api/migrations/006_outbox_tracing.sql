-- The W3C trace context of the request that wrote the event, as Debezium's outbox EventRouter
-- reads it (java.util.Properties text: `traceparent=00-…-01`). Debezium continues that trace with
-- its own spans and sends `traceparent` to RabbitMQ with the event, so one trace runs from the
-- HTTP request to the read model. Null when the request carried no trace and nothing is recorded.
ALTER TABLE outbox ADD COLUMN tracingspancontext text;
