import type pg from 'pg';
import { handledAmong, projectionPosition, type ProjectionPosition } from './read-side.ts';
import type { SyncStatus } from './schemas.ts';
import { debeziumOffset, outboxSize, outboxTail, outboxWindow, slotPosition } from './write-side.ts';

export interface PipelineDatabases {
  write: pg.Pool;
  read: pg.Pool;
  slot: string;
  offsetTable: string;
}

/**
 * Where the pipeline stands (CONTRACT.md, sync-status). A part that cannot be read is named in
 * `unreachable` and its fields are null; the rest is still reported.
 */
export async function syncStatus(dbs: PipelineDatabases, now = new Date()): Promise<SyncStatus> {
  const [debezium, projection] = await Promise.all([
    readDebezium(dbs).catch(() => undefined),
    projectionPosition(dbs.read).catch(() => undefined),
  ]);
  const behind =
    debezium && projection ? await eventsBehind(dbs.write, dbs.read, projection, now).catch(() => undefined) : undefined;
  const unreachable: SyncStatus['unreachable'] = [];
  if (!debezium) unreachable.push('writeDatabase');
  if (!projection) unreachable.push('readDatabase');
  return {
    lastProcessedEventTimestamp: projection?.lastEventAt?.toISOString() ?? null,
    lagSeconds: behind?.lagSeconds ?? null,
    eventsBehind: behind?.count ?? null,
    debezium: {
      slot: dbs.slot,
      active: debezium?.active ?? null,
      confirmedFlushLsn: debezium?.confirmedFlushLsn ?? null,
      currentWalLsn: debezium?.currentWalLsn ?? null,
      lagBytes: debezium?.lagBytes ?? null,
      offsetLsn: debezium?.offsetLsn ?? null,
      offsetTime: debezium?.offsetTime ?? null,
    },
    projector: projection
      ? { lastEventId: projection.lastEventId, processed: projection.processed, deadLettered: projection.parked }
      : { lastEventId: null, processed: null, deadLettered: null },
    unreachable,
  };
}

async function readDebezium(dbs: PipelineDatabases) {
  const [slot, offset] = await Promise.all([slotPosition(dbs.write, dbs.slot), debeziumOffset(dbs.write, dbs.offsetTable)]);
  return { ...slot, ...offset };
}

/**
 * Below the highest handled position, pending events are looked for this far back at most: the
 * shards run side by side, so a straggler sits a few batches behind the others, and an unbounded
 * search would read the whole outbox on every call while events are in flight.
 */
const STRAGGLER_WINDOW = 10_000;

/**
 * Committed outbox events not yet handled by the projector, and the age of the oldest of them
 * (0 when there is none, so it cannot grow while the system is idle). Events past the highest
 * handled position are all pending; below it, the few still pending (another shard lagging, a
 * commit that overtook another) are found by comparing ids over a window widening up to
 * STRAGGLER_WINDOW positions.
 */
async function eventsBehind(write: pg.Pool, read: pg.Pool, projection: ProjectionPosition, now: Date) {
  const total = await outboxSize(write);
  const count = Math.max(0, total - projection.processed - projection.parked);
  if (count === 0) return { count, lagSeconds: 0 };
  const tail = await outboxTail(write, projection.highestPosition);
  let oldest = tail.oldest;
  let missing = count - tail.n;
  for (let width = 1000; missing > 0 && width <= STRAGGLER_WINDOW; width *= 10) {
    const from = Math.max(0, projection.highestPosition - width);
    const candidates = await outboxWindow(write, from, projection.highestPosition);
    const handled = await handledAmong(
      read,
      candidates.map((c) => c.id),
    );
    const pending = candidates.filter((c) => !handled.has(c.id));
    for (const event of pending) if (!oldest || event.occurred_at < oldest) oldest = event.occurred_at;
    if (pending.length >= missing || from === 0) missing = 0;
  }
  const lagSeconds = oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0;
  return { count, lagSeconds: Math.round(lagSeconds * 1000) / 1000 };
}
