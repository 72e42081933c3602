import type pg from 'pg';
import type { KnownEvent } from '../events/index.ts';

/**
 * Each shard's progress (`read.shard_progress`), kept in the projector's batch transactions, a row
 * per shard so projectors that own other shards never wait on each other: how many events it
 * applied, and the highest outbox position among them (not a watermark: lower positions of other
 * shards may still be on their way). Nothing counts the whole inbox on a request, and the
 * reconciler knows how far each shard has got.
 */

/** The row of events applied outside a shard consumer (a rebuild). */
export const NO_SHARD = -1;

/** The batches' progress as projection.finish_batch takes it (migration 011); batches of one shard are summed. */
export function shardProgressParameters(batches: readonly { shard: number; applied: readonly KnownEvent[] }[]) {
  const byShard = new Map<number, { applied: number; highest: number | null }>();
  for (const { shard, applied } of batches) {
    if (applied.length === 0) continue;
    const progress = byShard.get(shard) ?? { applied: 0, highest: null };
    progress.applied += applied.length;
    for (const e of applied) if (e.position !== null) progress.highest = Math.max(progress.highest ?? e.position, e.position);
    byShard.set(shard, progress);
  }
  const rows = [...byShard];
  return [rows.map(([shard]) => shard), rows.map(([, p]) => p.applied), rows.map(([, p]) => p.highest)] as const;
}
export const SHARD_PROGRESS_TYPES = ['int[]', 'bigint[]', 'bigint[]'] as const;

/** The highest outbox position applied on each shard. */
export async function highestAppliedByShard(read: pg.Pool): Promise<Map<number, number>> {
  const { rows } = await read.query<{ shard: number; highest: string }>(
    /* sql */ `SELECT shard, highest_applied::text AS highest FROM read.shard_progress WHERE highest_applied IS NOT NULL`,
  );
  return new Map(rows.map((r) => [r.shard, Number(r.highest)]));
}

export interface ProjectionPosition {
  applied: number;
  /** Set aside (dead-lettered or parked) and not applied since. */
  parked: number;
  lastEventId: string | null;
  lastEventAt: Date | null;
}

/**
 * The projector's position, without counting the inbox: `applied` is the sum of the shards'
 * progress. Dead letters are few (kept until handled), so counting those is cheap.
 */
export async function projectionPosition(read: pg.Pool): Promise<ProjectionPosition> {
  const { rows } = await read.query<{
    applied: string | null;
    parked: number;
    last_id: string | null;
    last_at: Date | null;
  }>(/* sql */ `SELECT (SELECT sum(applied) FROM read.shard_progress)::text AS applied,
                      (SELECT count(*)::int FROM read.dead_letters d
                        WHERE NOT EXISTS (SELECT 1 FROM read.inbox p WHERE p.event_id = d.event_id)) AS parked,
                      (SELECT event_id::text FROM read.inbox ORDER BY seq DESC LIMIT 1) AS last_id,
                      (SELECT max(occurred_at) FROM read.inbox) AS last_at`);
  const row = rows[0]!;
  return { applied: Number(row.applied ?? 0), parked: row.parked, lastEventId: row.last_id, lastEventAt: row.last_at };
}
