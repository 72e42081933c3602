import { describe, expect, it } from 'vitest';
import type { FreshnessWindow } from '../scenarios/freshness.ts';
import { normalizeResults, summarize, type BenchResults } from './results.ts';
import { percentiles, spread } from './stats.ts';

const window = (latencies: number[], ok: number, failed: number): FreshnessWindow => ({
  sent: ok + failed,
  ok,
  failed,
  sendSeconds: 1,
  loadSeconds: 1.1,
  achievedRate: ok,
  latencyMs: percentiles(latencies),
  loadGeneratorCores: 0.2,
});

describe('a freshness run over its windows', () => {
  it('sums the counts, and gives each figure as the median with the range of the windows', () => {
    const s = summarize({
      system: 'cdc',
      rate: 10,
      seconds: 1,
      windows: [window([10, 20], 10, 0), window([30], 8, 2), window([5, 6, 7], 9, 1)],
    });
    expect(s).toMatchObject({ windows: 3, sent: 30, ok: 27, failed: 3, covered: 6 });
    expect(s.p50).toEqual({ median: 10, min: 6, max: 30, n: 3 });
    expect(s.achievedRate).toEqual({ median: 9, min: 8, max: 10, n: 3 });
  });
});

describe('spread', () => {
  it('is the median of an odd count, the mean of the two middle values of an even one, NaN left out', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 2, NaN, 3])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(spread([]).n).toBe(0);
  });
});

describe('results recorded before repetitions', () => {
  it('are read as runs of one window, the old floor being the receipt floor', () => {
    const old = {
      mode: 'quick',
      freshness: [
        { system: 'floor', rate: 50, seconds: 10, orders: 500, failed: 2, achievedRate: 49, latencyMs: percentiles([1, 2]) },
      ],
    } as unknown as BenchResults;
    const [run] = normalizeResults(old).freshness;
    expect(run).toMatchObject({ system: 'floor-receipt', rate: 50, windows: [{ sent: 500, ok: 498, failed: 2 }] });
  });
});
