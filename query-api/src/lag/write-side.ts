import type pg from 'pg';

export interface SlotPosition {
  active: boolean | null;
  confirmedFlushLsn: string | null;
  currentWalLsn: string | null;
  lagBytes: number | null;
}

/** The slot as Postgres sees it; a slot that does not exist (yet) is reported inactive. */
export async function slotPosition(write: pg.Pool, slot: string): Promise<SlotPosition> {
  const { rows } = await write.query<{ active: boolean | null; confirmed: string | null; current: string; lag: number | null }>(
    /* sql */ `SELECT s.active, s.confirmed_flush_lsn::text AS confirmed, pg_current_wal_lsn()::text AS current,
                      pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::float8 AS lag
                 FROM (SELECT 1) AS one
                 LEFT JOIN pg_replication_slots s ON s.slot_name = $1::text`,
    [slot],
  );
  const row = rows[0]!;
  return { active: row.active ?? false, confirmedFlushLsn: row.confirmed, currentWalLsn: row.current, lagBytes: row.lag };
}

/**
 * What Debezium has committed, from its JDBC offset store (JSON in a plain table): the LSN and
 * the source time of the last event it processed. Null before Debezium's first commit.
 */
export async function debeziumOffset(
  write: pg.Pool,
  table: string,
): Promise<{ offsetLsn: string | null; offsetTime: string | null }> {
  // The table name comes from validated configuration; identifiers cannot be bound as parameters.
  const sql = /* sql */ `SELECT ('0/0'::pg_lsn + (offset_val::jsonb ->> 'lsn')::numeric)::text AS lsn,
                                to_timestamp((offset_val::jsonb ->> 'ts_usec')::numeric / 1000000) AS at
                           FROM ${escapeIdentifier(table)} LIMIT 1`;
  try {
    const { rows } = await write.query<{ lsn: string | null; at: Date | null }>(sql);
    return { offsetLsn: rows[0]?.lsn ?? null, offsetTime: rows[0]?.at?.toISOString() ?? null };
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return { offsetLsn: null, offsetTime: null };
    throw err;
  }
}

export interface DebeziumLease {
  /** The Debezium instance whose lease holder holds the slot's lock (it runs the JVM), null when none. */
  activeInstance: string | null;
  activeSince: string | null;
  /** Instances whose holders wait for the lease, by name. */
  standbyInstances: string[];
}

/** Holders log in with this application_name prefix (infra/src/native/debezium-holder.ts). */
const HOLDER_PREFIX = 'debezium-lease:';

/**
 * Which Debezium instance holds the slot's lease (command-api/migrations/010_debezium_lease.sql):
 * the recorded holder counts only while its session still holds the advisory lock. The others
 * are the holders' sessions that wait (their application_name is visible to every role).
 */
export async function debeziumLease(write: pg.Pool, slot: string): Promise<DebeziumLease> {
  try {
    const { rows } = await write.query<{ instance: string | null; since: Date | null; sessions: string[] }>(
      /* sql */ `SELECT (SELECT instance FROM debezium_lease_status WHERE slot = $1::text AND held) AS instance,
                        (SELECT acquired_at FROM debezium_lease_status WHERE slot = $1::text AND held) AS since,
                        ARRAY(SELECT substr(application_name, length($2::text) + 1) FROM pg_stat_activity
                               WHERE datname = current_database() AND starts_with(application_name, $2::text)
                               ORDER BY 1) AS sessions`,
      [slot, HOLDER_PREFIX],
    );
    const { instance, since, sessions } = rows[0]!;
    return {
      activeInstance: instance,
      activeSince: since?.toISOString() ?? null,
      standbyInstances: [...new Set(sessions)].filter((name) => name !== instance),
    };
  } catch (err) {
    // A write side migrated before the lease existed (010): no instance runs under a lease.
    if ((err as { code?: string }).code === '42P01') return { activeInstance: null, activeSince: null, standbyInstances: [] };
    throw err;
  }
}

/** Outbox events after a position, in position order, at most `limit`. */
export async function outboxAfter(write: pg.Pool, afterPosition: number, limit: number) {
  const { rows } = await write.query<{ id: string; position: string; occurred_at: Date }>(
    /* sql */ `SELECT id, position::text, occurred_at FROM outbox WHERE position > $1::bigint ORDER BY position LIMIT $2::int`,
    [afterPosition, limit],
  );
  return rows;
}

/**
 * The same in the whole log, archive included (outbox_history): for a consumer the retention does
 * not wait for (the notifier), whose backlog may already be archived.
 */
export async function logAfter(write: pg.Pool, afterPosition: number, limit: number) {
  const { rows } = await write.query<{ id: string; position: string; occurred_at: Date }>(
    /* sql */ `SELECT id, position::text, occurred_at FROM outbox_history WHERE position > $1::bigint ORDER BY position LIMIT $2::int`,
    [afterPosition, limit],
  );
  return rows;
}

/** Events of the whole log after a position: how many, and the occurred-at of the oldest. */
export async function logTail(write: pg.Pool, afterPosition: number) {
  const { rows } = await write.query<{ n: number; oldest: Date | null }>(
    /* sql */ `SELECT count(*)::int AS n, min(occurred_at) AS oldest FROM outbox_history WHERE position > $1::bigint`,
    [afterPosition],
  );
  return rows[0]!;
}

/** Outbox events after a position: how many, and the occurred-at of the oldest (an index range, not the table). */
export async function outboxTail(write: pg.Pool, afterPosition: number) {
  const { rows } = await write.query<{ n: number; oldest: Date | null }>(
    /* sql */ `SELECT count(*)::int AS n, min(occurred_at) AS oldest FROM outbox WHERE position > $1::bigint`,
    [afterPosition],
  );
  return rows[0]!;
}

const escapeIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
