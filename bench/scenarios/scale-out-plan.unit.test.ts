import { describe, expect, it } from 'vitest';
import { passOrder, shardsText, splitShards } from './scale-out-plan.ts';

const eight = [0, 1, 2, 3, 4, 5, 6, 7];
const sixteen = Array.from({ length: 16 }, (_, i) => i);

describe('splitShards', () => {
  it('gives each instance a disjoint run of consecutive shards, covering them all', () => {
    expect(splitShards(eight, 1)).toEqual([eight]);
    expect(splitShards(eight, 2)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(splitShards(eight, 4)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(splitShards(sixteen, 4).map((s) => s.length)).toEqual([4, 4, 4, 4]);
  });

  it('splits unevenly counts as evenly as they go, never leaving an instance without a shard', () => {
    const three = splitShards(eight, 3);
    expect(three.flat()).toEqual(eight);
    expect(three.map((s) => s.length).sort()).toEqual([2, 3, 3]);
    expect(splitShards(eight, 8)).toEqual(eight.map((s) => [s]));
  });

  it('refuses more instances than shards, or none', () => {
    expect(() => splitShards(eight, 9)).toThrow(/8 shards among 9/);
    expect(() => splitShards(eight, 0)).toThrow();
  });
});

describe('shardsText', () => {
  it('names a run of consecutive shards by its ends, anything else by its members', () => {
    expect(shardsText(eight)).toBe('0-7');
    expect(shardsText([4, 5, 6, 7])).toBe('4-7');
    expect(shardsText([6, 7])).toBe('6-7');
    expect(shardsText([1, 3, 5])).toBe('1,3,5');
    expect(shardsText([2])).toBe('2');
  });
});

describe('passOrder', () => {
  it('alternates forward and backward', () => {
    expect(passOrder([1, 2, 4], 0)).toEqual([1, 2, 4]);
    expect(passOrder([1, 2, 4], 1)).toEqual([4, 2, 1]);
    expect(passOrder([1, 2, 4], 2)).toEqual([1, 2, 4]);
  });
});
