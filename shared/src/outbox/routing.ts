import type pg from 'pg';

/**
 * The shard count as data (command-api migration 010, `outbox_routing`): the one place that says
 * how many shards the outbox routes by. The trigger routes each event by the row in force at its
 * position; the broker topology declares a queue for every shard routed to; the projectors consume
 * only the shards whose switch is drained (docs/scaling.md, "Changing the shard count").
 */
export interface RoutingSwitch {
  /** Events above this position (up to the next switch) are routed by `shardCount`. */
  sincePosition: number;
  shardCount: number;
  switchedAt: Date;
  /** When every event at or below `sincePosition` was applied or parked; null while draining. */
  drainedAt: Date | null;
}

/** The switches, oldest first; the first one (position 0) is always drained. */
export type ShardRouting = readonly RoutingSwitch[];

export async function readShardRouting(write: pg.Pool | pg.ClientBase): Promise<ShardRouting> {
  const { rows } = await write.query<{
    since: string;
    shard_count: number;
    switched_at: Date;
    drained_at: Date | null;
  }>(/* sql */ `SELECT since_position::text AS since, shard_count, switched_at, drained_at
                 FROM outbox_routing ORDER BY since_position`);
  if (rows.length === 0) throw new Error('outbox_routing is empty: the write side is not migrated');
  return rows.map((r) => ({
    sincePosition: Number(r.since),
    shardCount: r.shard_count,
    switchedAt: r.switched_at,
    drainedAt: r.drained_at,
  }));
}

/** The count new events are routed by: every one of its shards needs a queue. */
export function routedShardCount(routing: ShardRouting): number {
  return latest(routing).shardCount;
}

/**
 * The shards a projector may consume: those of the newest drained switch. The shards a newer,
 * still draining, switch added wait (their queues fill) until every older event was applied.
 */
export function consumableShardCount(routing: ShardRouting): number {
  const drained = routing.filter((r) => r.drainedAt !== null);
  return drained.length > 0 ? latest(drained).shardCount : latest(routing).shardCount;
}

/** The switch still draining, if any. */
export function drainingSwitch(routing: ShardRouting): RoutingSwitch | undefined {
  const last = latest(routing);
  return last.drainedAt === null ? last : undefined;
}

/** 0 … count − 1. */
export const shardRange = (count: number): number[] => Array.from({ length: count }, (_, i) => i);

/**
 * Why going from `from` to `to` shards is refused, or undefined when it is a split. Only a split by
 * a whole factor keeps each aggregate either on its shard or on one no one consumed before
 * (h mod to ≡ h mod from): going down would merge shards whose queues hold events of the same
 * aggregates in two places at once, so it is refused.
 */
export function refusedChange(from: number, to: number, maxCount: number): string | undefined {
  if (!Number.isInteger(to) || to < 1 || to > maxCount) return `the shard count is an integer from 1 to ${maxCount}, not ${to}`;
  if (to === from) return `the outbox is already routed by ${from} shards`;
  if (to < from)
    return `going down (${from} -> ${to}) is refused: it would merge shards whose queues both hold an aggregate's events`;
  if (to % from !== 0) return `from ${from} shards only a multiple of ${from} keeps every aggregate's order (not ${to})`;
  return undefined;
}

/** The shard an aggregate hashed to `hash` is routed to (the trigger's abs(hash) % count). */
export const shardOfHash = (hash: bigint, count: number): number => Number((hash < 0n ? -hash : hash) % BigInt(count));

const latest = (routing: ShardRouting): RoutingSwitch => {
  const last = routing[routing.length - 1];
  if (!last) throw new Error('no shard routing');
  return last;
};
