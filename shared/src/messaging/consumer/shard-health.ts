import type { ShardStatus } from './shard-consumer.ts';

/** How long a shard may hold deliveries without settling any before it counts as stuck. */
export const DEFAULT_STALL_MS = 10_000;

/**
 * What is wrong with the shards this instance should consume, as lines (empty when healthy): a
 * shard without an open channel (being reopened after a fault), or one that has had deliveries
 * and acknowledged none for `stallMs` (a batch that keeps failing, a message that keeps coming back).
 */
export function shardProblems(
  expected: readonly number[],
  statuses: ReadonlyMap<number, ShardStatus>,
  now: number,
  stallMs = DEFAULT_STALL_MS,
): string[] {
  const problems: string[] = [];
  for (const shard of expected) {
    const status = statuses.get(shard);
    if (!status) {
      problems.push(`shard ${shard}: no open channel`);
      continue;
    }
    const stalled = stalledMs(status, now);
    if (stalled >= stallMs) {
      problems.push(
        `shard ${shard}: ${status.unsettled} deliveries unsettled, none acknowledged for ${Math.round(stalled / 1000)} s`,
      );
    }
  }
  return problems;
}

/** For how long the shard has had deliveries without acknowledging any (0 when it has nothing to do). */
export function stalledMs(status: ShardStatus, now: number): number {
  return status.waitingSince === null ? 0 : Math.max(0, now - status.waitingSince);
}
