import type pg from 'pg';
import { aggregateTypeOf, type KnownEvent } from '@shop/shared/events';

/**
 * Taken shared by every batch that records events in the inbox, exclusively by retention while it
 * raises the pruning watermark (retention/inbox-pruning.ts): a batch that read the old watermark
 * commits before the rows below the new one are deleted, so no event can slip between the two
 * checks (an advisory lock: no row is written).
 */
export const PRUNING_LOCK = 0x1b0_c5e1;

/** In a batch's transaction, before the inbox insert: the watermark holds until commit. */
export async function holdInboxWatermark(client: pg.PoolClient): Promise<void> {
  await client.query(/* sql */ `SELECT pg_advisory_xact_lock_shared($1::bigint)`, [PRUNING_LOCK]);
}

/**
 * Records the batch's events in the inbox, in batch order; returns the ids that were new.
 * Ids already there (duplicates, redeliveries) are left out, so they are not applied again, and
 * so are events at or below the pruning watermark (applied, their inbox rows pruned since:
 * read.inbox_pruning), except a noted dead letter's re-drive, which may never have been applied
 * (its inbox row is kept while it is noted). The caller holds the watermark (holdInboxWatermark).
 */
export async function recordNewEvents(client: pg.PoolClient, events: KnownEvent[]): Promise<Set<string>> {
  const { rows } = await client.query<{ event_id: string }>(
    /* sql */ `INSERT INTO processed_events (event_id, event_type, aggregate_type, aggregate_id, occurred_at, position)
               SELECT e.id, e.type, e.aggregate_type, e.aggregate_id, e.occurred_at, e.position
                 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[])
                      WITH ORDINALITY AS e(id, type, aggregate_type, aggregate_id, occurred_at, position, n)
                WHERE e.position IS NULL OR e.position > coalesce((SELECT pruned_through FROM inbox_pruning), 0)
                   OR EXISTS (SELECT 1 FROM dead_letters d WHERE d.event_id = e.id)
                ORDER BY e.n
               ON CONFLICT (event_id) DO NOTHING
               RETURNING event_id`,
    [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => aggregateTypeOf[e.type]),
      events.map((e) => e.aggregateId),
      events.map((e) => e.occurredAt),
      events.map((e) => e.position),
    ],
  );
  return new Set(rows.map((r) => r.event_id));
}

/**
 * Adds to the inbox count of each shard and raises its highest applied position (a row per shard:
 * projectors that own other shards never wait on each other). Batches of one shard are summed.
 */
export async function countApplied(client: pg.PoolClient, batches: { shard: number; applied: KnownEvent[] }[]): Promise<void> {
  const byShard = new Map<number, { processed: number; maxPosition: number | null }>();
  for (const { shard, applied } of batches) {
    if (applied.length === 0) continue;
    const count = byShard.get(shard) ?? { processed: 0, maxPosition: null };
    count.processed += applied.length;
    for (const e of applied) if (e.position !== null) count.maxPosition = Math.max(count.maxPosition ?? e.position, e.position);
    byShard.set(shard, count);
  }
  if (byShard.size === 0) return;
  const rows = [...byShard];
  await client.query(
    /* sql */ `INSERT INTO inbox_counts AS c (bucket, processed, max_position)
               SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[])
               ON CONFLICT (bucket) DO UPDATE
                  SET processed = c.processed + EXCLUDED.processed,
                      max_position = greatest(c.max_position, EXCLUDED.max_position)`,
    [rows.map(([shard]) => shard), rows.map(([, c]) => c.processed), rows.map(([, c]) => c.maxPosition)],
  );
}
