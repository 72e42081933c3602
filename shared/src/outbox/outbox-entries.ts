import type pg from 'pg';

/** One outbox event as an audit sees it (the projector's reconciler, the notifier's audit). */
export interface OutboxEntry {
  id: string;
  position: number;
  occurredAt: Date;
  /** The shard queue its route leads to (the projector's and the notifier's alike). */
  shard: number;
}

/** Committed outbox events after `after` up to `upTo` (inclusive), in position order, at most `limit`. */
export async function outboxEntries(
  write: pg.Pool,
  args: { after: number; upTo: number; limit: number },
): Promise<OutboxEntry[]> {
  const { rows } = await write.query<{ id: string; position: string; occurred_at: Date; route: string }>(
    /* sql */ `SELECT id, position::text, occurred_at, route FROM outbox
                WHERE position > $1::bigint AND position <= $2::bigint
                ORDER BY position LIMIT $3::int`,
    [args.after, args.upTo, args.limit],
  );
  return rows.map((r) => ({ id: r.id, position: Number(r.position), occurredAt: r.occurred_at, shard: shardOfRoute(r.route) }));
}

/**
 * The same from the whole event log, archive included (outbox_history): for an audit that may fall
 * behind the projector's reconciler, whose mark is what the retention archives up to (the
 * notifier's audit; its role reads the log, not the live outbox).
 */
export async function logEntries(write: pg.Pool, args: { after: number; upTo: number; limit: number }): Promise<OutboxEntry[]> {
  const { rows } = await write.query<{ id: string; position: string; occurred_at: Date; route: string }>(
    /* sql */ `SELECT id, position::text, occurred_at, route FROM outbox_history
                WHERE position > $1::bigint AND position <= $2::bigint
                ORDER BY position LIMIT $3::int`,
    [args.after, args.upTo, args.limit],
  );
  return rows.map((r) => ({ id: r.id, position: Number(r.position), occurredAt: r.occurred_at, shard: shardOfRoute(r.route) }));
}

/** The route is `<aggregatetype>.<shard>` (the outbox trigger); -1 if it is anything else. */
function shardOfRoute(route: string): number {
  const shard = Number(route.slice(route.lastIndexOf('.') + 1));
  return Number.isInteger(shard) ? shard : -1;
}
