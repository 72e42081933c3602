-- The notifier (notifier/, role shop_notifier made by infra/postgres/roles.sql) reads two things
-- of the write side: the shard routing, to consume the shards the outbox routes to (as the
-- projector does), and the event log, to take its baseline on first start and to drain a change
-- of the shard count (`npm run shards`) through its own inbox. It writes nothing here.
GRANT SELECT ON outbox_routing, outbox_history TO shop_notifier;
