-- The notifier's audit (notifier/src/audit) follows the outbox's high-water mark as the projector's
-- reconciler does (@shop/shared/outbox): it reads the highest position committed in the live
-- outbox, and which transactions are writing to it (pg_locks).
GRANT SELECT ON outbox TO shop_notifier;

-- What the audit lists as missing, the operator has published again (npm run notifier:heal): an
-- `execute-snapshot` signal for exactly those positions, as the projector's reconciler heals. The
-- only write the notifier makes here.
GRANT INSERT ON debezium_signal TO shop_notifier;
