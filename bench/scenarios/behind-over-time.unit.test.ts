import { describe, expect, it } from 'vitest';
import { behindOverTime } from './freshness.ts';

describe('behindOverTime', () => {
  it('counts events committed and not yet applied every 100 ms from the first commit', () => {
    const events = [
      { id: 'a', committedAt: 1_000 },
      { id: 'b', committedAt: 1_050 },
      { id: 'c', committedAt: 1_250 },
    ];
    const applied = new Map([
      ['a', 1_120],
      ['b', 1_300],
      ['c', 1_300],
    ]);
    expect(behindOverTime(events, applied)).toEqual([
      [0, 1],
      [0.1, 2],
      [0.2, 1],
      [0.3, 0],
      [0.4, 0],
    ]);
  });

  it('keeps counting an event that was never applied', () => {
    const samples = behindOverTime([{ id: 'lost', committedAt: 0 }], new Map());
    expect(samples.at(-1)).toEqual([0.1, 1]);
  });
});
