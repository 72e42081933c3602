import type { FreshnessRun, System } from '../scenarios/freshness.ts';
import { summarize, type BenchResults } from './results.ts';
import { round, spread } from './stats.ts';

/** One target against this run's own figures. */
export interface Target {
  /** What is compared, in words. */
  name: string;
  /** `value` must be at most (`<=`) or at least (`>=`) `bound`. */
  comparison: '<=' | '>=';
  value: number;
  /** The other side, already multiplied by the target's factor. */
  bound: number;
  unit: string;
  /** What the bound is made of ("3 × the apply floor's 12 ms"). */
  boundIs: string;
  /** Undefined when a side was not measured in this run (`missing` says which). */
  met?: boolean;
  missing?: string;
}

const median = (values: number[]) => spread(values).median;

/** The target: met or not, from the two sides; a NaN side is not measured. Pure. */
export function target(
  name: string,
  comparison: '<=' | '>=',
  value: number,
  bound: number,
  unit: string,
  boundIs: string,
  /** The other side in words, for when it was not measured (default: `boundIs`). */
  other = boundIs,
): Target {
  const base = { name, comparison, value, bound, unit, boundIs };
  if (Number.isNaN(value) || Number.isNaN(bound)) return { ...base, missing: Number.isNaN(value) ? 'ours' : other };
  return { ...base, met: comparison === '<=' ? value <= bound : value >= bound };
}

/** "met" or "missed by …", with both sides and their ratio. Pure. */
export function verdictOf(t: Target): string {
  if (t.met === undefined) return `not measured in this run (${t.missing})`;
  const ratio = t.bound === 0 ? (t.value === 0 ? 1 : Infinity) : t.value / t.bound;
  const ratioText = Number.isFinite(ratio) ? `${round(ratio, 2)}× the bound` : 'the bound is 0';
  if (t.met) return `met (${ratioText})`;
  const by = Math.abs(t.value - t.bound);
  return `**missed** by ${format(by, t.unit)} (${ratioText})`;
}

export const format = (n: number, unit: string) => {
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 1 ? 1 : 3;
  return `${round(n, digits).toLocaleString('en')}${unit ? ` ${unit}` : ''}`;
};

/** Every target of the page (issue #22), each from this run's figures (medians of the repetitions). Pure. */
export function targetsOf(results: BenchResults): Target[] {
  const runOf = (system: System, rate: number) => results.freshness.find((r) => r.system === system && r.rate === rate);
  const figure = (run: FreshnessRun | undefined, p: 'p50' | 'p99') => (run ? summarize(run)[p].median : NaN);
  const targets: Target[] = [];
  for (const rate of [50, 200]) {
    const ours = runOf('cdc', rate);
    const relay = runOf('listen-notify-relay', rate);
    for (const p of ['p50', 'p99'] as const) {
      const theirs = figure(relay, p);
      targets.push(
        target(
          `freshness ${p} at ${rate}/s: ours ≤ the LISTEN/NOTIFY relay's`,
          '<=',
          figure(ours, p),
          theirs,
          'ms',
          `the LISTEN/NOTIFY relay's ${p}`,
        ),
      );
    }
    const floor = figure(runOf('floor-apply', rate), 'p50');
    targets.push(
      target(
        `freshness p50 at ${rate}/s: ours ≤ 3× the apply floor's`,
        '<=',
        figure(ours, 'p50'),
        3 * floor,
        'ms',
        `3 × the apply floor's p50 (${format(floor, 'ms')})`,
        'the apply floor',
      ),
    );
  }
  const ours = results.sustained?.rate ?? NaN;
  targets.push(
    target(
      "highest sustained order rate: ours ≥ the LISTEN/NOTIFY relay's",
      '>=',
      ours,
      results.relaySustained?.rate ?? NaN,
      'orders/s',
      "the LISTEN/NOTIFY relay's highest sustained rate",
    ),
  );
  const orders = results.throughput.find((t) => t.live);
  const pgbench = orders?.sql.transactionsPerSecond ?? NaN;
  targets.push(
    target(
      "highest sustained order rate: ours ≥ 0.5× pgbench's on the same order transaction",
      '>=',
      ours,
      0.5 * pgbench,
      'orders/s',
      `0.5 × pgbench's ${format(pgbench, 'tx/s')}`,
      'pgbench on the order transaction',
    ),
  );
  const live = median((results.liveCpu ?? []).map((w) => w.stackCpuMsPerEvent));
  const catchUp = results.burst?.catchUpStackCpuMsPerEvent ?? NaN;
  targets.push(
    target(
      `stack CPU per event live at ${results.liveCpu?.[0]?.rate ?? 200}/s ≤ 2× during the catch-up`,
      '<=',
      live,
      2 * catchUp,
      'ms/event',
      `2 × the catch-up's ${format(catchUp, 'ms/event')}`,
      'the catch-up',
    ),
  );
  targets.push(
    target('whole stack idle ≤ 0.1 core', '<=', median((results.idle ?? []).map((w) => w.stackCores)), 0.1, 'cores', '0.1 core'),
  );
  const baseline = results.burst?.baselineEventsPerSecond ?? NaN;
  targets.push(
    target(
      'projector catch-up ≥ 0.5× the catch-up baseline',
      '>=',
      results.burst?.projectorEventsPerSecond ?? NaN,
      0.5 * baseline,
      'events/s',
      `0.5 × the baseline's ${format(baseline, 'events/s')}`,
      'the catch-up baseline',
    ),
  );
  const reads = results.throughput.find((t) => !t.live);
  for (const [t, factor, name] of [
    [reads, 0.3, 'query API'],
    [orders, 0.6, 'command API'],
  ] as const) {
    const sql = t?.sql.transactionsPerSecond ?? NaN;
    targets.push(
      target(
        `${name} ≥ ${factor}× pgbench on the same statements`,
        '>=',
        t?.http.requestsPerSecond ?? NaN,
        factor * sql,
        'req/s',
        `${factor} × pgbench's ${format(sql, 'tx/s')}`,
        'pgbench',
      ),
    );
  }
  return targets;
}
