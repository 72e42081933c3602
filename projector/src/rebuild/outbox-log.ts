import type pg from 'pg';
import type { OutboxRow } from '@shop/shared/events';

/**
 * The event log is outbox_history: the archived partitions and the live outbox (command-api
 * migration 008). `position` orders it, but is drawn at INSERT, not at commit: read it up to a
 * high-water mark (@shop/shared/outbox), never up to a plain max.
 */
export async function countOutboxUpTo(write: pg.Pool, upToPosition: number): Promise<number> {
  const { rows } = await write.query<{ count: number }>(
    /* sql */ `SELECT count(*)::int AS count FROM outbox_history WHERE position <= $1::bigint`,
    [upToPosition],
  );
  return rows[0]!.count;
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
                 FROM outbox_history h
                WHERE h.position > $1::bigint AND ($2::bigint IS NULL OR h.position <= $2::bigint)
                ORDER BY h.position
                LIMIT $3::int`,
    [afterPosition, upToPosition, limit],
  );
  return rows;
}
