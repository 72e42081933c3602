import type pg from 'pg';
import type { MissingEntry } from './reconciler.ts';

/**
 * The notifier's audit and what it found (schema `notifier` of the read database, notifier
 * migration 002), one home for the notifier (which keeps them) and the query API (which reports
 * them, its role reads them):
 * - `notifier.audit.checked_through`: every outbox event above the notifier's baseline and at or
 *   below it has a row in `notifier.inbox` or is listed in `notifier.missing_events`.
 */

/** Records a window's findings and the audit's new position in one transaction. */
export async function saveNotifierWindow(
  client: pg.PoolClient,
  args: { checkedThrough: number; missing: readonly MissingEntry[] },
): Promise<void> {
  await client.query(
    /* sql */ `INSERT INTO notifier.missing_events (event_id, position, occurred_at)
               SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[])
               ON CONFLICT (event_id) DO NOTHING`,
    [args.missing.map((m) => m.id), args.missing.map((m) => m.position), args.missing.map((m) => m.occurredAt)],
  );
  await client.query(
    /* sql */ `UPDATE notifier.audit SET checked_through = greatest(checked_through, $1::bigint), checked_at = now()`,
    [args.checkedThrough],
  );
}

/** Forgets missing events that reached the inbox since (a re-publish, a late arrival); returns how many. */
export async function forgetNotified(read: pg.Pool): Promise<number> {
  const { rowCount } = await read.query(/* sql */ `DELETE FROM notifier.missing_events m
                WHERE EXISTS (SELECT 1 FROM notifier.inbox i WHERE i.event_id = m.event_id)`);
  return rowCount ?? 0;
}

/** Which of these event ids the notifier has settled (any state: delivered, parked, skipped, recorded). */
export async function settledAmong(read: pg.Pool, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await read.query<{ id: string }>(
    /* sql */ `SELECT event_id::text AS id FROM notifier.inbox WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** The highest outbox position settled on each of these shards (one index probe each). */
export async function highestSettledByShard(read: pg.Pool, shards: readonly number[]): Promise<Map<number, number>> {
  const { rows } = await read.query<{ shard: number; highest: string | null }>(
    /* sql */ `SELECT s.shard, (SELECT max(i.position) FROM notifier.inbox i WHERE i.shard = s.shard)::text AS highest
                 FROM unnest($1::int[]) AS s(shard)`,
    [shards],
  );
  return new Map(rows.filter((r) => r.highest !== null).map((r) => [r.shard, Number(r.highest)]));
}

export interface NotifierPosition {
  /** Where the notifier's responsibility starts (its baseline): events at or below are not expected. */
  baseline: number;
  /** Every outbox event above the baseline and at or below it is settled or listed as missing. */
  checkedThrough: number;
  /** Listed as missing and still not settled. */
  missing: number;
  oldestMissing: Date | null;
  /** Inbox rows by state: delivered (2xx), parked (given up or refused), recorded (table mode), skipped. */
  delivered: number;
  parked: number;
  recorded: number;
  /** The occurred-at of the settled event highest in the log. */
  lastEventAt: Date | null;
}

/**
 * Where the notifier stands. The counts by state read the inbox (they grow with it: the notifier's
 * inbox is not pruned); the rest are index probes. Fails before the notifier has created its
 * tables (it never ran on this database) as when they cannot be read.
 */
export async function notifierPosition(read: pg.Pool): Promise<NotifierPosition> {
  const { rows } = await read.query<{
    baseline: string | null;
    checked: string | null;
    missing: number;
    oldest: Date | null;
    delivered: number;
    parked: number;
    recorded: number;
    last_at: Date | null;
  }>(/* sql */ `SELECT (SELECT since_position::text FROM notifier.baseline) AS baseline,
                        (SELECT checked_through::text FROM notifier.audit) AS checked,
                        (SELECT count(*)::int FROM notifier.missing_events m
                          WHERE NOT EXISTS (SELECT 1 FROM notifier.inbox i WHERE i.event_id = m.event_id)) AS missing,
                        (SELECT min(m.occurred_at) FROM notifier.missing_events m
                          WHERE NOT EXISTS (SELECT 1 FROM notifier.inbox i WHERE i.event_id = m.event_id)) AS oldest,
                        (SELECT count(*)::int FROM notifier.inbox WHERE state = 'delivered') AS delivered,
                        (SELECT count(*)::int FROM notifier.inbox WHERE state = 'parked') AS parked,
                        (SELECT count(*)::int FROM notifier.inbox WHERE state = 'recorded') AS recorded,
                        (SELECT occurred_at FROM notifier.inbox WHERE position IS NOT NULL
                          ORDER BY position DESC LIMIT 1) AS last_at`);
  const row = rows[0]!;
  return {
    baseline: Number(row.baseline ?? 0),
    checkedThrough: Number(row.checked ?? 0),
    missing: row.missing,
    oldestMissing: row.oldest,
    delivered: row.delivered,
    parked: row.parked,
    recorded: row.recorded,
    lastEventAt: row.last_at,
  };
}

/** The missing events still not settled, oldest first, at most `limit` (what `npm run notifier:heal` publishes again). */
export async function notifierMissing(read: pg.Pool, limit: number): Promise<MissingEntry[]> {
  const { rows } = await read.query<{ id: string; position: string; occurred_at: Date }>(
    /* sql */ `SELECT m.event_id::text AS id, m.position::text, m.occurred_at FROM notifier.missing_events m
                WHERE NOT EXISTS (SELECT 1 FROM notifier.inbox i WHERE i.event_id = m.event_id)
                ORDER BY m.position LIMIT $1::int`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, position: Number(r.position), occurredAt: r.occurred_at }));
}
