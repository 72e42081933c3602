import type pg from 'pg';

/**
 * The notifier's baseline (migration 001): read, or taken now from the write side's log when there
 * is none yet. Taken after the notifier's queues were declared (npm start declares them before any
 * service starts), so every event above it reaches them.
 */
export async function notifierBaseline(read: pg.Pool, write: pg.Pool): Promise<number> {
  const existing = await read.query<{ since: string }>(/* sql */ `SELECT since_position::text AS since FROM notifier.baseline`);
  if (existing.rows[0]) return Number(existing.rows[0].since);
  const { rows } = await write.query<{ highest: string }>(
    /* sql */ `SELECT coalesce(max(position), 0)::text AS highest FROM outbox_history`,
  );
  await read.query(/* sql */ `INSERT INTO notifier.baseline (since_position) VALUES ($1::bigint) ON CONFLICT (one) DO NOTHING`, [
    rows[0]!.highest,
  ]);
  return notifierBaseline(read, write);
}

/** Which of `ids` the inbox has, whatever their state: handled, for a drain. */
export async function inboxHas(read: pg.Pool, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await read.query<{ id: string }>(
    /* sql */ `SELECT event_id::text AS id FROM notifier.inbox WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}
