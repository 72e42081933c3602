import type { CpuShare } from '../cpu-accounting.ts';
import type { ScaleOutResult, ScaleOutRun } from '../scenarios/scale-out.ts';
import { shardsText } from '../scenarios/scale-out-plan.ts';
import { round, spread, type Spread } from './stats.ts';

/** One instance count's figures: medians over its catch-ups and live windows, CPU summed over them. */
export interface ScaleOutSummary {
  instances: number;
  shards: string;
  catchUpEventsPerSecond: Spread;
  p50: Spread;
  p99: Spread;
  achievedRate: Spread;
  failed: number;
  /** CPU ms per event by process over every catch-up. */
  catchUpMsPerEvent: Map<string, number>;
  /** Cores by process over every live window (CPU seconds over seconds). */
  liveCores: Map<string, number>;
  /** Every process's CPU together, in cores: the machine's busy time. */
  catchUpBusyCores: number;
  liveBusyCores: number;
  /** The bench stack's own processes' part of it (cpu-accounting.ts: its pieces and their children). */
  catchUpStackCores: number;
  liveStackCores: number;
  /** The processes of the bench stack's (category `stack`). */
  stackProcesses: Set<string>;
}

/** CPU seconds by process over windows, and the windows' seconds. */
function tally(windows: { seconds: number; shares: CpuShare[] }[]) {
  const cpuSeconds = new Map<string, number>();
  let seconds = 0;
  let stack = 0;
  for (const w of windows) {
    seconds += w.seconds;
    for (const s of w.shares) {
      cpuSeconds.set(s.process, (cpuSeconds.get(s.process) ?? 0) + s.cores * w.seconds);
      if (s.category === 'stack') stack += s.cores * w.seconds;
    }
  }
  const total = [...cpuSeconds.values()].reduce((sum, x) => sum + x, 0);
  const perSecond = (x: number) => x / Math.max(seconds, 1e-9);
  return { cpuSeconds, seconds, busyCores: perSecond(total), stackCores: perSecond(stack) };
}

const scaled = (m: Map<string, number>, factor: number) => new Map([...m].map(([k, v]) => [k, v * factor]));

/** One instance count's figures. Pure. */
export function summarizeScaleOut(run: ScaleOutRun): ScaleOutSummary {
  const catchUp = tally(run.catchUps.map((c) => c.cpu));
  const live = tally(run.live.map((w) => w.cpu));
  const events = run.catchUps.reduce((sum, c) => sum + c.events, 0);
  return {
    instances: run.instances,
    shards: run.shards.map(shardsText).join(' / '),
    catchUpEventsPerSecond: spread(run.catchUps.map((c) => c.eventsPerSecond)),
    p50: spread(run.live.map((w) => w.latencyMs.p50)),
    p99: spread(run.live.map((w) => w.latencyMs.p99)),
    achievedRate: spread(run.live.map((w) => w.achievedRate)),
    failed: run.live.reduce((sum, w) => sum + w.failed, 0),
    catchUpMsPerEvent: scaled(catchUp.cpuSeconds, 1000 / Math.max(events, 1)),
    liveCores: scaled(live.cpuSeconds, 1 / Math.max(live.seconds, 1e-9)),
    catchUpBusyCores: catchUp.busyCores,
    liveBusyCores: live.busyCores,
    catchUpStackCores: catchUp.stackCores,
    liveStackCores: live.stackCores,
    stackProcesses: new Set(
      [...run.catchUps.map((c) => c.cpu), ...run.live.map((w) => w.cpu)].flatMap((w) =>
        w.shares.filter((x) => x.category === 'stack').map((x) => x.process),
      ),
    ),
  };
}

const n = (x: number) => x.toLocaleString('en');
const sp = (s: Spread, digits = 1) => {
  if (s.n === 0) return '-';
  const r = (x: number) => n(round(x, digits));
  return s.n === 1 || s.min === s.max ? r(s.median) : `${r(s.median)} [${r(s.min)}–${r(s.max)}]`;
};
const ratio = (x: Spread, base: Spread) => (x.n > 0 && base.n > 0 ? `${round(x.median / base.median, 2)}×` : '-');
const isProjector = (process: string) => /^node: projector(-\d+)?$/.test(process);

/** The section of docs/benchmarks.md, as lines, from one run's scale-out results. */
export function scaleOutSection(result: ScaleOutResult, cores: number, command: string): string[] {
  const p = result.plan;
  const summaries = result.runs.map(summarizeScaleOut);
  const base = summaries[0]!;
  return [
    '## Scale-out: projector instances on the shard queues',
    '',
    `The projector as ${p.instances.join(', ')} instances on the ${result.shardCount} shard queues, each instance consuming a disjoint run of shards (\`PROJECTOR_SHARDS\`); the first instance is the stack's own projector restarted with its subset, the others are more processes of the same code with the same settings (ports apart). Each queue has a single active consumer, so the instances never share a shard. Ratios are against the ${base.instances}-instance run of this same run. Reproduce with \`${command}\`${command.includes('--only') ? '' : ' (or `npm run bench -- --only scale-out` for this scenario alone, which writes its figures beside its results, not here)'}.`,
    '',
    `- **Catch-up**: ${n(p.backlog)} events (the burst's order mix) written while every instance is stopped and published by Debezium into the queues, where a consumer of the bench's holds each queue; the instances start, subscribe behind it, and are let go at once when it closes, so no instance's start-up is timed. Events/s from the commit of their first transaction to that of their last (commit timestamps, the first transaction's events not counted), as the burst's projector catch-up.`,
    `- **Live**: ${p.rate} orders/s open-loop for ${p.seconds} s, ${p.windows} window${p.windows === 1 ? '' : 's'} per count and pass, without the broker tap; commit of the order to the commit of the projector's transaction that applied its \`OrderPlaced\` (as in the freshness table).`,
    `- ${p.passes} pass${p.passes === 1 ? '' : 'es'} over the counts${p.passes > 1 ? ' (forward, then backward, and so on)' : ''}, a catch-up and the live windows per count each pass; figures are medians with the range in brackets. CPU from \`/proc\` per process: during each catch-up from letting the instances go until the last event was applied, during each live window from the load's start until drained. The machine has ${cores} cores for everything: Postgres, RabbitMQ, Debezium, the three services, every projector instance and the load generator.`,
    '',
    "| instances | shards per instance | catch-up events/s | vs 1 | live p50 ms | vs 1 | live p99 ms | vs 1 | achieved orders/s | failed | machine busy, catch-up (cores; the stack's) | machine busy, live (cores; the stack's) |",
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...summaries.map(
      (s) =>
        `| ${s.instances} | ${s.shards} | ${sp(s.catchUpEventsPerSecond, 0)} | ${ratio(s.catchUpEventsPerSecond, base.catchUpEventsPerSecond)} | ${sp(s.p50)} | ${ratio(s.p50, base.p50)} | ${sp(s.p99)} | ${ratio(s.p99, base.p99)} | ${sp(s.achievedRate)} | ${s.failed} | ${round(s.catchUpBusyCores, 2)} of ${cores} (${round(s.catchUpStackCores, 2)}) | ${round(s.liveBusyCores, 2)} of ${cores} (${round(s.liveStackCores, 2)}) |`,
    ),
    '',
    ...cpuTable(summaries, cores),
    ...reading(summaries, cores),
  ];
}

/** CPU by process for each count: catch-up in ms per event, live in cores. */
function cpuTable(summaries: ScaleOutSummary[], cores: number): string[] {
  const processes = [...new Set(summaries.flatMap((s) => [...s.catchUpMsPerEvent.keys(), ...s.liveCores.keys()]))];
  const weight = (p: string) => summaries.reduce((sum, s) => sum + (s.catchUpMsPerEvent.get(p) ?? 0), 0);
  processes.sort((a, b) => weight(b) - weight(a));
  const cell = (m: Map<string, number>, p: string, digits: number) => (m.has(p) ? String(round(m.get(p)!, digits)) : '-');
  const projectors = (m: Map<string, number>) => [...m].filter(([p]) => isProjector(p)).reduce((sum, [, v]) => sum + v, 0);
  const heads = summaries.map((s) => s.instances);
  return [
    `Where the CPU went, by process: during the catch-ups in CPU milliseconds per event, during the live windows in cores (of ${cores}). \`node: projector\` is the first instance, \`node: projector-2\` and on the others; \`postgres: projector\` is every instance's sessions.`,
    '',
    `| process | ${heads.map((h) => `catch-up, ${h} (ms / event)`).join(' | ')} | ${heads.map((h) => `live, ${h} (cores)`).join(' | ')} |`,
    `|---|${heads.map(() => '---|---|').join('')}`,
    ...processes
      .filter((p) => !isProjector(p))
      .map(
        (p) =>
          `| ${p} | ${summaries.map((s) => cell(s.catchUpMsPerEvent, p, 3)).join(' | ')} | ${summaries.map((s) => cell(s.liveCores, p, 3)).join(' | ')} |`,
      ),
    ...processes
      .filter(isProjector)
      .sort()
      .map(
        (p) =>
          `| ${p} | ${summaries.map((s) => cell(s.catchUpMsPerEvent, p, 3)).join(' | ')} | ${summaries.map((s) => cell(s.liveCores, p, 3)).join(' | ')} |`,
      ),
    `| **every projector instance** | ${summaries.map((s) => round(projectors(s.catchUpMsPerEvent), 3)).join(' | ')} | ${summaries.map((s) => round(projectors(s.liveCores), 3)).join(' | ')} |`,
    `| **the bench stack's processes (cores)** | ${summaries.map((s) => round(s.catchUpStackCores, 2)).join(' | ')} | ${summaries.map((s) => round(s.liveStackCores, 2)).join(' | ')} |`,
    `| **machine busy (cores of ${cores})** | ${summaries.map((s) => round(s.catchUpBusyCores, 2)).join(' | ')} | ${summaries.map((s) => round(s.liveBusyCores, 2)).join(' | ')} |`,
    '',
  ];
}

/** What the figures say, read from them: how the rate moved, and how busy the machine was meanwhile. */
function reading(summaries: ScaleOutSummary[], cores: number): string[] {
  const base = summaries[0]!;
  const busy = (s: ScaleOutSummary) =>
    `${round(s.catchUpBusyCores, 2)} of ${cores} cores busy, ${round(s.catchUpStackCores, 2)} of them the bench stack's`;
  const lines = summaries.slice(1).map((s) => {
    const rate = s.catchUpEventsPerSecond.median / base.catchUpEventsPerSecond.median;
    return `- ${s.instances} instances caught up at ${round(rate, 2)}× the ${base.instances}-instance rate, the machine ${busy(s)} (${base.instances} instance: ${busy(base)}); the stack's largest consumers of CPU per event: ${top(s.catchUpMsPerEvent, s.stackProcesses)}. Live p50 ${round(s.p50.median / base.p50.median, 2)}×, p99 ${round(s.p99.median / base.p99.median, 2)}× the ${base.instances}-instance ones.`;
  });
  if (lines.length === 0) return [];
  const saturated = summaries.every((s) => s.catchUpBusyCores >= 0.9 * cores);
  const outside = Math.max(...summaries.map((s) => s.catchUpBusyCores - s.catchUpStackCores));
  return [
    'Read from the figures above (this run):',
    '',
    ...lines,
    '',
    saturated
      ? `During every catch-up the machine was at least 90% busy (every process's CPU together, against its ${cores} cores): more instances share the same cores with Postgres, RabbitMQ and Debezium rather than adding any. On a busy machine the rate is its cores over the CPU per event, so more instances raise it only as far as they lower the CPU per event (the rows above: every projector instance's, and Postgres').`
      : `Not every catch-up kept the machine 90% busy (${summaries
          .filter((s) => s.catchUpBusyCores < 0.9 * cores)
          .map((s) => `${s.instances} instance${s.instances === 1 ? '' : 's'}: ${round(s.catchUpBusyCores, 2)} of ${cores} cores`)
          .join('; ')}): there, CPU was not the only limit.`,
    ...(outside >= 0.1 * cores
      ? [
          '',
          `Processes outside the bench stack (the load generator, the bench's own sessions, anything else running on the machine) used up to ${round(outside, 2)} cores during a catch-up: what they took, the stack could not use.`,
        ]
      : []),
    '',
  ];
}

/** The three largest entries among `among`, "name 0.012 ms" each. */
function top(m: Map<string, number>, among: Set<string>): string {
  return [...m]
    .filter(([p]) => among.has(p))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([p, v]) => `${p} ${round(v, 3)} ms`)
    .join(', ');
}
