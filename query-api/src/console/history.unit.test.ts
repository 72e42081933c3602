import { describe, expect, it } from 'vitest';
import { History, type Reading } from './history.ts';

const reading = (at: number, processed: number | null, lagSeconds: number | null = 0): Reading => ({
  at,
  lagSeconds,
  eventsBehind: 0,
  processed,
  slotLagBytes: 100,
});

describe('History', () => {
  it('derives applied events per second from consecutive counts', () => {
    const h = new History(60_000);
    h.add(reading(0, 100));
    h.add(reading(1_000, 150));
    h.add(reading(3_000, 250));
    expect(h.series().appliedPerSecond).toEqual([null, 50, 50]);
    expect(h.series().at).toEqual([0, 1_000, 3_000]);
  });

  it('keeps only the last window', () => {
    const h = new History(2_000);
    for (let t = 0; t <= 5_000; t += 1_000) h.add(reading(t, t));
    expect(h.series().at).toEqual([3_000, 4_000, 5_000]);
  });

  it('has no rate across an unknown count or a count that restarted', () => {
    const h = new History(60_000);
    h.add(reading(0, 500));
    h.add(reading(1_000, null, null));
    h.add(reading(2_000, 600));
    h.add(reading(3_000, 10)); // rebuilt
    h.add(reading(4_000, 30));
    expect(h.series().appliedPerSecond).toEqual([null, null, null, null, 20]);
    expect(h.series().lagSeconds).toEqual([0, null, 0, 0, 0]);
  });

  it('ignores a reading that is not newer than the last', () => {
    const h = new History(60_000);
    h.add(reading(1_000, 1));
    h.add(reading(1_000, 2));
    h.add(reading(500, 3));
    expect(h.series().at).toEqual([1_000]);
  });
});
