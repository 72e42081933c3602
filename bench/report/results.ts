import type { Conditions } from '../conditions.ts';
import type { BurstResult } from '../scenarios/burst.ts';
import type { FreshnessRun, FreshnessWindow, System } from '../scenarios/freshness.ts';
import type { LongTransactionsRun } from '../scenarios/long-transactions.ts';
import type { ScaleOutResult } from '../scenarios/scale-out.ts';
import type { IdleWindow, LiveCpuWindow } from '../scenarios/stack-cpu.ts';
import type { SustainedRate } from '../scenarios/sustained.ts';
import type { HttpVsSql } from '../scenarios/throughput.ts';
import { percentiles, spread, type Percentiles, type Spread } from './stats.ts';

export interface BenchResults {
  mode: 'quick' | 'full' | 'smoke';
  startedAt: string;
  durationSeconds: number;
  machine: Record<string, string | number>;
  /** Absent from runs recorded before the bench stated its conditions. */
  conditions?: Conditions;
  /** The whole stack with no load, once drained. */
  idle?: IdleWindow[];
  /** Ours at a steady rate without the broker tap: the stack's CPU per event. */
  liveCpu?: LiveCpuWindow[];
  freshness: FreshnessRun[];
  /** Absent from runs recorded before the scenario existed. */
  longTransactions?: LongTransactionsRun[];
  sustained?: SustainedRate;
  /** The LISTEN/NOTIFY relay's highest sustained rate, searched the same way with it replacing Debezium. */
  relaySustained?: SustainedRate;
  burst: BurstResult | null;
  /** The projector as 1, 2 and 4 instances on the shard queues (absent from runs recorded before it). */
  scaleOut?: ScaleOutResult;
  throughput: HttpVsSql[];
}

/** A freshness run's figures over its windows: counts summed, each figure's median and range. */
export interface RunSummary {
  windows: number;
  sent: number;
  ok: number;
  failed: number;
  /** Successful orders whose latency was measured (the rest were never seen by the system). */
  covered: number;
  achievedRate: Spread;
  p50: Spread;
  p95: Spread;
  p99: Spread;
  max: Spread;
  brokerP50?: Spread;
  brokerP99?: Spread;
  requestP99: Spread;
  loadGeneratorCores: Spread;
}

/** Sums and medians over a run's windows. Pure. */
export function summarize(run: FreshnessRun): RunSummary {
  const w = run.windows;
  const sum = (value: (x: FreshnessWindow) => number) => w.reduce((total, x) => total + value(x), 0);
  const of = (value: (x: FreshnessWindow) => number) => spread(w.map(value));
  const broker = w.filter((x) => x.brokerMs);
  return {
    windows: w.length,
    sent: sum((x) => x.sent),
    ok: sum((x) => x.ok),
    failed: sum((x) => x.failed),
    covered: sum((x) => x.latencyMs.count),
    achievedRate: of((x) => x.achievedRate),
    p50: of((x) => x.latencyMs.p50),
    p95: of((x) => x.latencyMs.p95),
    p99: of((x) => x.latencyMs.p99),
    max: of((x) => x.latencyMs.max),
    ...(broker.length > 0
      ? { brokerP50: spread(broker.map((x) => x.brokerMs!.p50)), brokerP99: spread(broker.map((x) => x.brokerMs!.p99)) }
      : {}),
    requestP99: of((x) => x.requestMs?.p99 ?? NaN),
    loadGeneratorCores: of((x) => x.loadGeneratorCores),
  };
}

/** A run of the first results format: one window per system and rate, its figures on the run itself. */
interface LegacyRun {
  system: System | 'floor';
  rate: number;
  seconds: number;
  orders: number;
  failed: number;
  achievedRate: number;
  latencyMs: Percentiles;
  brokerMs?: Percentiles;
  order?: FreshnessWindow['order'];
  writeCost?: FreshnessWindow['writeCost'];
  behind?: [number, number][];
}

/**
 * Results as this page reads them: runs recorded before repetitions (one window each, the old
 * floor being the receipt floor) are read as runs of one window, so `--page` renders them too.
 */
export function normalizeResults(raw: BenchResults): BenchResults {
  const freshness = raw.freshness.map((run) => {
    if ('windows' in run && Array.isArray(run.windows)) return run;
    const old = run as unknown as LegacyRun;
    const window: FreshnessWindow = {
      sent: old.orders,
      ok: old.orders - old.failed,
      failed: old.failed,
      loadSeconds: old.orders / Math.max(old.achievedRate, 1e-9),
      achievedRate: old.achievedRate,
      latencyMs: old.latencyMs ?? percentiles([]),
      ...(old.brokerMs ? { brokerMs: old.brokerMs } : {}),
      ...(old.order ? { order: old.order } : {}),
      ...(old.writeCost ? { writeCost: old.writeCost } : {}),
      ...(old.behind ? { behind: old.behind } : {}),
      loadGeneratorCores: NaN,
    };
    return {
      system: old.system === 'floor' ? 'floor-receipt' : old.system,
      rate: old.rate,
      seconds: old.seconds,
      windows: [window],
    };
  });
  return { ...raw, freshness };
}
