import type pg from 'pg';
import type { OutboxRow } from '@shop/shared/events';

/** The outbox is the append-only event log; `position` is commit order within it. */
export async function outboxExtent(write: pg.Pool): Promise<{ count: number; lastPosition: number }> {
  const { rows } = await write.query<{ count: number; last: string | null }>(
    /* sql */ `SELECT count(*)::int AS count, max(position)::text AS last FROM outbox`,
  );
  return { count: rows[0]!.count, lastPosition: Number(rows[0]!.last ?? 0) };
}

/** Events after `afterPosition` up to `upToPosition` (inclusive), in log order, at most `limit`. */
export async function readOutbox(
  write: pg.Pool,
  afterPosition: number,
  upToPosition: number | null,
  limit: number,
): Promise<OutboxRow[]> {
  const { rows } = await write.query<OutboxRow>(
    /* sql */ `SELECT id, type, schema_version, occurred_at, aggregateid, payload, position::text
                 FROM outbox
                WHERE outbox.position > $1::bigint AND ($2::bigint IS NULL OR outbox.position <= $2::bigint)
                ORDER BY outbox.position
                LIMIT $3::int`,
    [afterPosition, upToPosition, limit],
  );
  return rows;
}
