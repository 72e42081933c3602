import { describe, expect, it } from 'vitest';
import type { CpuShare } from '../cpu-accounting.ts';
import type { ScaleOutResult, ScaleOutRun } from '../scenarios/scale-out.ts';
import { scaleOutSection, summarizeScaleOut } from './scale-out-section.ts';
import { percentiles } from './stats.ts';

const share = (process: string, cores: number): CpuShare => ({ process, cores, category: 'stack' });

const live = (p50: number, p99: number, shares: CpuShare[]) => ({
  sent: 10,
  ok: 10,
  failed: 0,
  loadSeconds: 1,
  achievedRate: 10,
  latencyMs: { ...percentiles([p50]), p50, p99 },
  loadGeneratorCores: 0.1,
  events: 20,
  cpu: { seconds: 2, shares },
});

const run = (instances: number, eventsPerSecond: number, p99: number, projectors: CpuShare[]): ScaleOutRun => ({
  instances,
  shards:
    instances === 1
      ? [[0, 1, 2, 3]]
      : [
          [0, 1],
          [2, 3],
        ],
  catchUps: [
    {
      events: 1000,
      seconds: 1000 / eventsPerSecond,
      eventsPerSecond,
      fromReleaseSeconds: 1000 / eventsPerSecond,
      cpu: { seconds: 1, shares: [share('postgres: projector', 1), ...projectors] },
    },
  ],
  live: [live(20, p99, [share('postgres: projector', 0.2), ...projectors])],
});

const result: ScaleOutResult = {
  plan: { instances: [1, 2], backlog: 1000, rate: 10, seconds: 1, windows: 1, passes: 1 },
  shardCount: 4,
  runs: [
    run(1, 1000, 100, [share('node: projector', 0.9)]),
    run(2, 1500, 50, [share('node: projector', 0.5), share('node: projector-2', 0.5)]),
  ],
};

describe('the scale-out section', () => {
  it('sums CPU per event over the catch-ups and cores over the live windows, by process', () => {
    const s = summarizeScaleOut(result.runs[1]!);
    expect(s.shards).toBe('0-1 / 2-3');
    expect(s.catchUpMsPerEvent.get('node: projector-2')).toBeCloseTo(0.5);
    expect(s.liveCores.get('postgres: projector')).toBeCloseTo(0.2);
    expect(s.catchUpBusyCores).toBeCloseTo(2);
  });

  it('gives each count as a ratio of the first, and reads what limited it from the busy cores', () => {
    const text = scaleOutSection(result, 2, 'npm run bench').join('\n');
    expect(text).toContain('| 2 | 0-1 / 2-3 | 1,500 | 1.5× | 20 | 1× | 50 | 0.5× |');
    expect(text).toContain('| **every projector instance** | 0.9 | 1 |');
    expect(text).toContain('2 instances caught up at 1.5× the 1-instance rate');
    expect(text).toContain('at least 90% busy');
    expect(text).not.toContain('outside the bench stack');
  });

  it('says how much of the machine went to processes outside the bench stack', () => {
    const other: CpuShare = { process: 'outside the bench stack: node: other', cores: 0.5, category: 'other' };
    const busy = {
      ...result,
      runs: result.runs.map((r) => ({
        ...r,
        catchUps: r.catchUps.map((c) => ({ ...c, cpu: { ...c.cpu, shares: [...c.cpu.shares, other] } })),
      })),
    };
    const text = scaleOutSection(busy, 2, 'npm run bench').join('\n');
    expect(text).toContain('| 2.5 of 2 (2) |');
    expect(text).toContain('Processes outside the bench stack');
    expect(text).toContain('largest consumers of CPU per event: postgres: projector 1 ms, node: projector 0.5 ms');
  });
});
