import type pg from 'pg';
import { withTransaction } from '../db/index.ts';
import { PRUNING_LOCK } from './inbox.ts';

/**
 * The inbox is pruned below a watermark (`read.inbox_pruning.pruned_through`, an outbox position):
 * every event at or below it was applied and its outbox row archived, so Debezium can no longer
 * publish it again; a message that still arrives at or below it is a duplicate, skipped by its
 * position as it would be by its id. Retention raises it (projector/src/retention).
 */

export interface InboxWatermark {
  /** Every event at or below this outbox position has left the inbox (dead letters excepted). */
  prunedThrough: number;
  /** When the newest pruned event occurred; null before any pruning. */
  occurredBefore: Date | null;
}

/** How far the inbox is pruned (projector migration 005); nothing before that table exists. */
export async function inboxWatermark(read: pg.Pool): Promise<InboxWatermark> {
  try {
    const { rows } = await read.query<{ pruned_through: string; occurred_before: Date | null }>(
      /* sql */ `SELECT pruned_through::text, occurred_before FROM read.inbox_pruning`,
    );
    const row = rows[0];
    return { prunedThrough: Number(row?.pruned_through ?? 0), occurredBefore: row?.occurred_before ?? null };
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return { prunedThrough: 0, occurredBefore: null };
    throw err;
  }
}

/**
 * Raises the watermark to `through` (never lowers it), waiting for the batches in flight. Until
 * this commits, nothing below the new mark is deleted.
 */
export async function raiseInboxWatermark(read: pg.Pool, through: number): Promise<void> {
  await withTransaction(read, async (client) => {
    await client.query(/* sql */ `SELECT pg_advisory_xact_lock($1::bigint)`, [PRUNING_LOCK]);
    await client.query(
      /* sql */ `INSERT INTO read.inbox_pruning AS p (pruned_through) VALUES ($1::bigint)
               ON CONFLICT (id) DO UPDATE SET pruned_through = greatest(p.pruned_through, EXCLUDED.pruned_through),
                                              pruned_at = now()`,
      [through],
    );
  });
}

/**
 * Deletes the inbox rows at or below the watermark, `batchSize` at a time through the position
 * index (short transactions, no scan of the inbox), and records the newest pruned event's time.
 * The rows of dead-lettered events stay: a re-drive of one is let past the watermark (it may never
 * have been applied) and must still find it applied if it was (forgetHandledDeadLetters lets them
 * go together once the dead letter was handled). So do the rows of unknown events (not in the
 * outbox log, the reconciler's inbox check): they are reported while their entry exists, and their
 * effects stay in the read models until a rebuild.
 */
export async function pruneInboxBelowWatermark(read: pg.Pool, batchSize: number): Promise<number> {
  let pruned = 0;
  for (;;) {
    const { rows } = await read.query<{ deleted: number }>(
      /* sql */ `WITH gone AS (
                  DELETE FROM read.inbox WHERE event_id IN (
                    SELECT event_id FROM read.inbox
                     WHERE position <= (SELECT pruned_through FROM read.inbox_pruning)
                       AND NOT EXISTS (SELECT 1 FROM read.dead_letters d WHERE d.event_id = inbox.event_id)
                       AND NOT EXISTS (SELECT 1 FROM reconciler.unknown_events u WHERE u.event_id = inbox.event_id)
                     ORDER BY position LIMIT $1::int)
                  RETURNING occurred_at)
                UPDATE read.inbox_pruning
                   SET occurred_before = greatest(occurred_before, (SELECT max(occurred_at) FROM gone))
                RETURNING (SELECT count(*)::int FROM gone) AS deleted`,
      [batchSize],
    );
    const deleted = rows[0]?.deleted ?? 0;
    pruned += deleted;
    if (deleted < batchSize) return pruned;
  }
}

/**
 * Forgets the dead letters that were handled (their event applied since, by a re-drive) at or
 * below the watermark, `batchSize` at a time; returns how many. Unhandled ones stay until handled.
 * A copy of such an event that still arrives is then skipped by its position, as it was applied.
 */
export async function forgetHandledDeadLetters(read: pg.Pool, batchSize: number): Promise<number> {
  let forgotten = 0;
  for (;;) {
    const { rowCount } = await read.query(
      /* sql */ `DELETE FROM read.dead_letters WHERE event_id IN (
                  SELECT d.event_id FROM read.dead_letters d
                   WHERE d.position <= (SELECT pruned_through FROM read.inbox_pruning)
                     AND EXISTS (SELECT 1 FROM read.inbox p WHERE p.event_id = d.event_id)
                   ORDER BY d.position LIMIT $1::int)`,
      [batchSize],
    );
    forgotten += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return forgotten;
  }
}
