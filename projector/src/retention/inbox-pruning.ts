import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';
import { PRUNING_LOCK } from '../read-models/inbox.ts';

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
 * outbox log, reconcile/inbox-window.ts): they are reported while their entry exists, and their
 * effects stay in the read models until a rebuild.
 */
export async function pruneInboxBelowWatermark(read: pg.Pool, batchSize: number): Promise<number> {
  let pruned = 0;
  for (;;) {
    const { rows } = await read.query<{ deleted: number }>(
      /* sql */ `WITH gone AS (
                  DELETE FROM read.processed_events WHERE event_id IN (
                    SELECT event_id FROM read.processed_events
                     WHERE position <= (SELECT pruned_through FROM read.inbox_pruning)
                       AND NOT EXISTS (SELECT 1 FROM read.dead_letters d WHERE d.event_id = processed_events.event_id)
                       AND NOT EXISTS (SELECT 1 FROM audit.unknown_events u WHERE u.event_id = processed_events.event_id)
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
                     AND EXISTS (SELECT 1 FROM read.processed_events p WHERE p.event_id = d.event_id)
                   ORDER BY d.position LIMIT $1::int)`,
      [batchSize],
    );
    forgotten += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return forgotten;
  }
}
