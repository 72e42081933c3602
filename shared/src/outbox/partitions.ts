import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';

/**
 * The outbox log's time partitions on the write database (command-api migration 008): created
 * ahead of the writes (the command API's upkeep, partition-upkeep.ts), listed, and archived once
 * the reconciler has checked them (the projector's retention, which decides when). Their SQL
 * lives in the migration's functions; this module is what calls them for the upkeep.
 */

export interface PartitionPlan {
  /** Span of one partition, in seconds. */
  stepSeconds: number;
  /** How many partitions to keep ready beyond the current one. */
  ahead: number;
}

/**
 * Extends the outbox partitions forward to `ahead` steps past now (outbox_create_partitions,
 * migration 008); returns how many were created.
 */
export async function createOutboxPartitions(pool: pg.Pool, plan: PartitionPlan): Promise<number> {
  const { rows } = await pool.query<{ created: number }>(
    /* sql */ `SELECT outbox_create_partitions(make_interval(secs => $1::int),
                                              now() + make_interval(secs => $1::int) * $2::int) AS created`,
    [plan.stepSeconds, plan.ahead],
  );
  return rows[0]!.created;
}

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
