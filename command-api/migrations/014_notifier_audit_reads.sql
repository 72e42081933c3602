-- The notifier's audit (notifier/src/audit) follows the outbox's high-water mark as the projector's
-- reconciler does (@shop/shared/outbox): it reads the highest position committed in the live
-- outbox, and which transactions are writing to it (pg_locks).
GRANT SELECT ON outbox TO shop_notifier;

-- What the audit lists as missing, the operator has published again (npm run notifier:heal): an
-- `execute-snapshot` signal for exactly those positions, as the projector's reconciler heals. The
-- only write the notifier makes here.
GRANT INSERT ON debezium_signal TO shop_notifier;

-- The query API counts the notifier's backlog in the whole log (sync-status `notifier`): the
-- retention archives what the projector's reconciler has passed, which the notifier may not have
-- settled yet; counted in the live outbox alone, an archived backlog would read as caught up.
GRANT SELECT ON outbox_history TO shop_query_api;
