import type pg from 'pg';
import { aggregateTypeOf, type KnownEvent } from '@shop/shared/events';

/**
 * Taken shared by every batch that records events in the inbox, exclusively by retention while it
 * raises the pruning watermark (retention/inbox-pruning.ts): a batch that read the old watermark
 * commits before the rows below the new one are deleted, so no event can slip between the two
 * checks (an advisory lock: no row is written).
 */
export const PRUNING_LOCK = 0x1b0_c5e1;

/** Before an inbox write (projection.apply_batch takes it itself): the watermark holds until commit. */
export async function holdInboxWatermark(client: pg.PoolClient): Promise<void> {
  await client.query(/* sql */ `SELECT pg_advisory_xact_lock_shared($1::bigint)`, [PRUNING_LOCK]);
}

/**
 * The inbox's columns for projection.apply_batch (migration 006), in batch order. The function
 * answers the ids that are not new (already there, or at or below the pruning watermark and not
 * a noted dead letter, read.inbox_pruning) and then writes nothing.
 */
export function inboxColumns(events: KnownEvent[]) {
  return [
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => aggregateTypeOf[e.type]),
    events.map((e) => e.aggregateId),
    events.map((e) => e.occurredAt),
    events.map((e) => e.position),
  ] as const;
}

/**
 * The inbox count of each shard and its highest applied position (a row per shard: projectors
 * that own other shards never wait on each other). Batches of one shard are summed.
 */
export function shardCountColumns(batches: { shard: number; applied: KnownEvent[] }[]) {
  const byShard = new Map<number, { processed: number; maxPosition: number | null }>();
  for (const { shard, applied } of batches) {
    if (applied.length === 0) continue;
    const count = byShard.get(shard) ?? { processed: 0, maxPosition: null };
    count.processed += applied.length;
    for (const e of applied) if (e.position !== null) count.maxPosition = Math.max(count.maxPosition ?? e.position, e.position);
    byShard.set(shard, count);
  }
  const rows = [...byShard];
  return [rows.map(([shard]) => shard), rows.map(([, c]) => c.processed), rows.map(([, c]) => c.maxPosition)] as const;
}
