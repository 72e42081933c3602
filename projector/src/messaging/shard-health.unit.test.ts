import { describe, expect, it } from 'vitest';
import { shardProblems, stalledMs } from './shard-health.ts';
import type { ShardStatus } from './shard-consumer.ts';

const status = (over: Partial<ShardStatus>): ShardStatus => ({
  state: 'consuming',
  unsettled: 0,
  oldestUnsettledAt: null,
  lastSettledAt: null,
  ...over,
});

describe('shard health', () => {
  it('an idle shard is never stalled, however long ago it settled', () => {
    expect(stalledMs(status({ lastSettledAt: 0 }), 1_000_000)).toBe(0);
  });

  it('a shard holding deliveries is stalled since the later of its oldest delivery and its last settlement', () => {
    expect(stalledMs(status({ unsettled: 3, oldestUnsettledAt: 1000, lastSettledAt: 5000 }), 12_000)).toBe(7000);
    expect(stalledMs(status({ unsettled: 3, oldestUnsettledAt: 9000, lastSettledAt: 5000 }), 12_000)).toBe(3000);
  });

  it('names missing channels and stalled shards, nothing when healthy', () => {
    const statuses = new Map([
      [0, status({})],
      [1, status({ unsettled: 2000, oldestUnsettledAt: 0, lastSettledAt: 1000 })],
    ]);
    expect(shardProblems([0, 1, 2], statuses, 20_000)).toEqual([
      'shard 1: 2000 deliveries unsettled, none settled for 19 s',
      'shard 2: no open channel',
    ]);
    expect(shardProblems([0], statuses, 20_000)).toEqual([]);
  });
});
