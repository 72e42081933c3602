import { describe, expect, it } from 'vitest';
import { shardProblems, stalledMs } from './shard-health.ts';
import type { ShardStatus } from './shard-consumer.ts';

const status = (over: Partial<ShardStatus>): ShardStatus => ({ state: 'consuming', unsettled: 0, waitingSince: null, ...over });

describe('shard health', () => {
  it('a shard with nothing to do is never stalled', () => {
    expect(stalledMs(status({}), 1_000_000)).toBe(0);
  });

  it('a shard waiting for progress is stalled since it started waiting, whether or not it holds deliveries now', () => {
    expect(stalledMs(status({ unsettled: 3, waitingSince: 5000 }), 12_000)).toBe(7000);
    // The message it keeps returning is back in the queue for a moment: still stalled.
    expect(stalledMs(status({ unsettled: 0, waitingSince: 5000 }), 12_000)).toBe(7000);
  });

  it('names missing channels and stalled shards, nothing when healthy', () => {
    const statuses = new Map([
      [0, status({})],
      [1, status({ unsettled: 2000, waitingSince: 1000 })],
    ]);
    expect(shardProblems([0, 1, 2], statuses, 20_000)).toEqual([
      'shard 1: 2000 deliveries unsettled, none acknowledged for 19 s',
      'shard 2: no open channel',
    ]);
    expect(shardProblems([0], statuses, 20_000)).toEqual([]);
  });
});
