import { describe, expect, it } from 'vitest';
import type { FreshnessRun, FreshnessWindow, System } from '../scenarios/freshness.ts';
import type { BenchResults } from './results.ts';
import { percentiles } from './stats.ts';
import { target, targetsOf, verdictOf } from './targets.ts';

describe('a target', () => {
  it('is met or missed by how much, with the ratio of both sides', () => {
    expect(verdictOf(target('p50', '<=', 40, 50, 'ms', 'theirs'))).toBe('met (0.8× the bound)');
    expect(verdictOf(target('p50', '<=', 75, 50, 'ms', 'theirs'))).toBe('**missed** by 25 ms (1.5× the bound)');
    expect(verdictOf(target('rate', '>=', 300, 400, 'orders/s', 'theirs'))).toBe('**missed** by 100 orders/s (0.75× the bound)');
    expect(verdictOf(target('rate', '>=', 400, 400, 'orders/s', 'theirs'))).toBe('met (1× the bound)');
  });

  it('is not measured when a side is missing, and says which', () => {
    const t = target('rate', '>=', 300, NaN, 'orders/s', "the relay's rate");
    expect(t.met).toBeUndefined();
    expect(verdictOf(t)).toBe("not measured in this run (the relay's rate)");
  });
});

const window = (latencies: number[], extra: Partial<FreshnessWindow> = {}): FreshnessWindow => ({
  sent: 100,
  ok: 100,
  failed: 0,
  loadSeconds: 1,
  achievedRate: 100,
  latencyMs: percentiles(latencies),
  loadGeneratorCores: 0.1,
  ...extra,
});
const run = (system: System, rate: number, p50s: number[]): FreshnessRun => ({
  system,
  rate,
  seconds: 1,
  windows: p50s.map((p) => window([p])),
});

describe('the targets of a run', () => {
  const results: BenchResults = {
    mode: 'quick',
    startedAt: '',
    durationSeconds: 0,
    machine: {},
    freshness: [
      run('cdc', 50, [30, 10, 20]),
      run('listen-notify-relay', 50, [15, 25, 12]),
      run('floor-apply', 50, [5, 6, 7]),
      run('cdc', 200, [40, 40, 40]),
      run('listen-notify-relay', 200, [50, 50, 50]),
    ],
    sustained: { rate: 300, stepSeconds: 1, steps: [] },
    relaySustained: { rate: 400, stepSeconds: 1, steps: [] },
    idle: [0.05, 0.2, 0.08].map((stackCores) => ({ seconds: 10, stackCores, loadGeneratorCores: 0, cpu: [] })),
    burst: null,
    throughput: [],
  };
  const targets = targetsOf(results);
  const named = (prefix: string) => targets.find((t) => t.name.startsWith(prefix))!;

  it('compares the medians of the repetitions', () => {
    // ours 20 (median of 30, 10, 20) against the relay's 15 (median of 15, 25, 12)
    expect(named('freshness p50 at 50/s: ours ≤ the LISTEN')).toMatchObject({ value: 20, bound: 15, met: false });
    expect(named("freshness p50 at 50/s: ours ≤ 3× the apply floor's")).toMatchObject({ value: 20, bound: 18, met: false });
    expect(named('freshness p50 at 200/s: ours ≤ the LISTEN')).toMatchObject({ value: 40, bound: 50, met: true });
    expect(named('whole stack idle')).toMatchObject({ value: 0.08, met: true });
  });

  it('compares the highest sustained rates found the same way', () => {
    expect(named('highest sustained order rate: ours ≥ the LISTEN')).toMatchObject({ value: 300, bound: 400, met: false });
  });

  it('leaves what the run did not measure unjudged', () => {
    expect(named("freshness p50 at 200/s: ours ≤ 3× the apply floor's").met).toBeUndefined();
    expect(named('projector catch-up').met).toBeUndefined();
    expect(named('command API').met).toBeUndefined();
    expect(targets.every((t) => t.met !== undefined || t.missing)).toBe(true);
  });
});
