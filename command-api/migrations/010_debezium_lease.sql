-- The lease of Debezium's replication slot (issue 25: a standby Debezium Server). Each Debezium
-- instance is run by a lease holder (infra/src/native/debezium-holder.ts) that starts its JVM only
-- while its own session holds a session-level advisory lock whose key is derived from the slot
-- name; the holder that has the lock records itself here, so operators, `npm run lag`, the query
-- API and `npm status` can name the active instance. The row alone proves nothing: a holder killed
-- with -9 leaves it behind, but Postgres frees its lock when its session ends, so a row counts only
-- while its backend still holds the lock (debezium_lease_status).

-- The advisory lock's key for a slot: one bigint, the same for every holder of that slot.
CREATE FUNCTION debezium_lease_key(slot text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT hashtextextended('debezium-lease:' || slot, 0) $$;

CREATE TABLE debezium_lease (
  slot        text PRIMARY KEY,
  -- The instance's name (debezium-server, debezium-server-2), also its session's application_name.
  instance    text NOT NULL,
  -- The holder process (its JVM is its child) and its session's backend.
  holder_pid  integer NOT NULL,
  backend_pid integer NOT NULL,
  acquired_at timestamptz NOT NULL
);

-- Each slot's recorded holder, and whether its session still holds the lock (pg_locks shows a
-- bigint advisory key as classid = its high 32 bits, objid = its low 32 bits, objsubid = 1).
CREATE VIEW debezium_lease_status AS
SELECT l.slot, l.instance, l.holder_pid, l.backend_pid, l.acquired_at,
       EXISTS (SELECT 1 FROM pg_locks k
                WHERE k.locktype = 'advisory' AND k.granted AND k.pid = l.backend_pid AND k.objsubid = 1
                  AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND k.classid::bigint = (debezium_lease_key(l.slot) >> 32) & 4294967295
                  AND k.objid::bigint = debezium_lease_key(l.slot) & 4294967295) AS held
  FROM debezium_lease l;

-- Debezium's holders write their lease; the query API's lag view and console read it.
GRANT SELECT, INSERT, UPDATE, DELETE ON debezium_lease TO shop_debezium;
GRANT SELECT ON debezium_lease, debezium_lease_status TO shop_debezium, shop_query_api;
