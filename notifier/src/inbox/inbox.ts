import type pg from 'pg';

export type InboxState = 'delivered' | 'parked' | 'skipped' | 'recorded';

/** One settled event, as the consumer writes it. */
export interface InboxEntry {
  eventId: string;
  position: number | null;
  shard: number;
  eventType: string;
  orderId: number | null;
  state: InboxState;
  attempts: number;
  lastError: string | null;
  /** The notification's bytes as sent; null when skipped. */
  body: string | null;
  occurredAt: Date | null;
}

/** The states of those of `ids` that are settled already (a redelivery: nothing is POSTed again). */
export async function settledStates(pool: pg.Pool, ids: string[]): Promise<Map<string, InboxState>> {
  if (ids.length === 0) return new Map();
  const { rows } = await pool.query<{ id: string; state: InboxState }>(
    /* sql */ `SELECT event_id::text AS id, state FROM notifier.inbox WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.state]));
}

/**
 * Records a settled event. A row already there wins (a consumer that lost its channel while a
 * re-drive ran, say): an event has one row, and at most one delivery is recorded for it.
 */
export async function recordSettled(pool: pg.Pool, e: InboxEntry): Promise<void> {
  await pool.query(
    /* sql */ `INSERT INTO notifier.inbox
                 (event_id, position, shard, event_type, order_id, state, attempts, last_error, body, occurred_at)
               VALUES ($1::uuid, $2::bigint, $3::int, $4, $5::bigint, $6, $7::int, $8, $9, $10::timestamptz)
               ON CONFLICT (event_id) DO NOTHING`,
    [e.eventId, e.position, e.shard, e.eventType, e.orderId, e.state, e.attempts, e.lastError, e.body, e.occurredAt],
  );
}

/** Records many skipped events in one statement. */
export async function recordSkipped(pool: pg.Pool, entries: InboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await pool.query(
    /* sql */ `INSERT INTO notifier.inbox (event_id, position, shard, event_type, occurred_at, state)
               SELECT e.id, e.position, e.shard, e.type, e.occurred_at, 'skipped'
                 FROM unnest($1::uuid[], $2::bigint[], $3::int[], $4::text[], $5::timestamptz[])
                      AS e(id, position, shard, type, occurred_at)
               ON CONFLICT (event_id) DO NOTHING`,
    [
      entries.map((e) => e.eventId),
      entries.map((e) => e.position),
      entries.map((e) => e.shard),
      entries.map((e) => e.eventType),
      entries.map((e) => e.occurredAt),
    ],
  );
}
