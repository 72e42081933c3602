import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  consumableShardCount,
  drainingSwitch,
  refusedChange,
  routedShardCount,
  shardOfHash,
  shardRange,
  type ShardRouting,
} from './routing.ts';

const at = new Date('2026-12-01T00:00:00Z');
const eight: ShardRouting = [{ sincePosition: 0, shardCount: 8, switchedAt: at, drainedAt: at }];
const draining: ShardRouting = [...eight, { sincePosition: 500, shardCount: 16, switchedAt: at, drainedAt: null }];
const drained: ShardRouting = [...eight, { sincePosition: 500, shardCount: 16, switchedAt: at, drainedAt: at }];

describe('shard routing', () => {
  it('routes by the newest switch, and lets projectors consume only the newest drained one', () => {
    expect([routedShardCount(eight), consumableShardCount(eight), drainingSwitch(eight)]).toEqual([8, 8, undefined]);
    expect([routedShardCount(draining), consumableShardCount(draining)]).toEqual([16, 8]);
    expect(drainingSwitch(draining)?.sincePosition).toBe(500);
    expect([routedShardCount(drained), consumableShardCount(drained), drainingSwitch(drained)]).toEqual([16, 16, undefined]);
  });

  it('splits: under 16 an aggregate stays on its shard s of 8 or moves to s + 8, never elsewhere', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (hash) => {
        const before = shardOfHash(hash, 8);
        expect([before, before + 8]).toContain(shardOfHash(hash, 16));
        expect(shardOfHash(hash, 16) % 8).toBe(before);
      }),
    );
  });

  it('hashes as the trigger does (abs(h) % n), the extremes included', () => {
    expect(shardOfHash(-9n, 8)).toBe(1);
    expect(shardOfHash(-9n, 16)).toBe(9);
    expect(shardOfHash(2n ** 63n - 1n, 16)).toBe(15);
    expect(shardRange(3)).toEqual([0, 1, 2]);
  });

  it('allows only a split by a whole factor, and refuses going down', () => {
    expect(refusedChange(8, 16, 256)).toBeUndefined();
    expect(refusedChange(8, 32, 256)).toBeUndefined();
    expect(refusedChange(8, 8, 256)).toMatch(/already/);
    expect(refusedChange(16, 8, 256)).toMatch(/going down/);
    expect(refusedChange(8, 12, 256)).toMatch(/multiple of 8/);
    expect(refusedChange(8, 512, 256)).toMatch(/1 to 256/);
    expect(refusedChange(8, 1.5, 256)).toMatch(/integer/);
  });
});
