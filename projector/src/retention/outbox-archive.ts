import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';

export interface LivePartition {
  name: string;
  fromAt: Date;
  toAt: Date;
}

/** The live outbox's time partitions, oldest first (command-api migration 008). */
export async function livePartitions(write: pg.Pool): Promise<LivePartition[]> {
  const { rows } = await write.query<{ name: string; from_at: Date; to_at: Date }>(
    /* sql */ `SELECT name, from_at, to_at FROM outbox_live_partitions()`,
  );
  return rows.map((r) => ({ name: r.name, fromAt: r.from_at, toAt: r.to_at }));
}

/**
 * Moves a partition to the archive if none of its events is above `through`; returns how many
 * events it held, or null when it was kept. Waits at most `lockTimeoutMs` for the outbox's lock
 * (writers hold it briefly): a busy outbox keeps the partition until the next round.
 */
export async function archivePartition(
  write: pg.Pool,
  name: string,
  through: number,
  lockTimeoutMs: number,
): Promise<number | null> {
  try {
    return await withTransaction(write, async (client) => {
      await client.query(/* sql */ `SELECT set_config('lock_timeout', $1::text, true)`, [`${lockTimeoutMs}ms`]);
      const { rows } = await client.query<{ moved: string | null }>(
        /* sql */ `SELECT outbox_archive_partition($1::text, $2::bigint)::text AS moved`,
        [name, through],
      );
      return rows[0]!.moved === null ? null : Number(rows[0]!.moved);
    });
  } catch (err) {
    if ((err as { code?: string }).code === '55P03') return null; // lock_not_available: next round
    throw err;
  }
}

/**
 * The lowest position still in the live outbox (every partition, the default one too): every event
 * below it has left the live outbox. Null when it is empty.
 */
export async function lowestLivePosition(write: pg.Pool): Promise<number | null> {
  const { rows } = await write.query<{ low: string | null }>(/* sql */ `SELECT min(position)::text AS low FROM outbox`);
  return rows[0]!.low === null ? null : Number(rows[0]!.low);
}
