import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { DEBEZIUM } from '../infra/src/native/debezium-server.ts';
import { stackDirs, stopRecorded } from '../infra/src/native/processes.ts';
import { deleteStackTopology } from '../infra/src/native/rabbitmq.ts';
import { startStack, stopStack } from '../infra/src/native/stack.ts';
import { benchSmokeStackConfig, benchStackConfig, repoRoot, withSettings } from '../infra/src/stack-config.ts';
import { conditionsOf } from './conditions.ts';
import { createContext, createProducts, type BenchContext } from './context.ts';
import { TUNING_LOG, writePage, type BenchResults } from './report/page.ts';
import { summarize } from './report/results.ts';
import { targetsOf, verdictOf } from './report/targets.ts';
import { runBurst } from './scenarios/burst.ts';
import { floorWindows } from './scenarios/floor.ts';
import {
  brokerWindow,
  runOrdersAtRate,
  type FreshnessRun,
  type FreshnessWindow,
  type Progress,
  type System,
} from './scenarios/freshness.ts';
import { idleWindow, liveCpuWindow, type IdleWindow, type LiveCpuWindow } from './scenarios/stack-cpu.ts';
import type { SearchPlan } from './scenarios/sustained-search.ts';
import { runWithLongTransactions } from './scenarios/long-transactions.ts';
import { stopProjectorInstances } from './scenarios/projector-instances.ts';
import { runScaleOut, type ScaleOutPlan, type ScaleOutResult } from './scenarios/scale-out.ts';
import { scaleOutSection, summarizeScaleOut } from './report/scale-out-section.ts';
import { startRelay } from './scenarios/relay.ts';
import { runScale, type ScaleResults } from './scale.ts';
import { renderScale, writeScaleSection, type ScaleRun } from './report/scale-section.ts';
import { startWriteCost } from './scenarios/write-cost.ts';
import type { RelayMode } from './relays/main.ts';
import { findSustainedRate, type SustainedRate } from './scenarios/sustained.ts';
import { commandApiThroughput, queryApiThroughput } from './scenarios/throughput.ts';

const args = process.argv.slice(2);
const optionValue = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const mode: BenchResults['mode'] = args.includes('--smoke') ? 'smoke' : args.includes('--full') ? 'full' : 'quick';
const scale = args.includes('--scale');
const scaleEvents = Number(optionValue('--events') ?? 1_000_000) || 1_000_000;
/** `--only <scenario>`: that scenario alone (after the warm-up), its figures beside its results file, the page untouched. */
const SELECTABLE = ['scale-out'] as const;
const only = optionValue('--only');
if (only !== undefined && !(SELECTABLE as readonly string[]).includes(only)) {
  console.error(`--only takes one of: ${SELECTABLE.join(', ')}`);
  process.exit(2);
}

/** What one mode measures, and how long each window is. */
interface Plan {
  rates: number[];
  /** Each freshness window's load, seconds. */
  seconds: number;
  /** Windows per figure (freshness, floors, live CPU, idle), bursts, and HTTP/pgbench samples per side. */
  repetitions: number;
  idleSeconds: number;
  liveCpuRate: number;
  burst: number;
  throughputSeconds: number;
  search: SearchPlan;
  longTx: { rate: number; seconds: number };
  /**
   * Orders before anything is measured. Debezium's JVM needs minutes of load before its hot paths
   * are compiled (its CPU per order at 200/s was about twice as high in the first minutes after a
   * start as half an hour later, bench/tuning.md); a cold JVM would be measured otherwise.
   */
  warmUp: { rate: number; seconds: number };
  scaleOut: ScaleOutPlan;
}

const SEARCH = { start: 100, step: 100, max: 2_000, maxSteps: 1_000, minRate: 10 };
const PLANS: Record<BenchResults['mode'], Plan> = {
  // About 35 minutes (2 cores).
  full: {
    rates: [50, 200],
    seconds: 25,
    repetitions: 3,
    idleSeconds: 10,
    liveCpuRate: 200,
    burst: 100_000,
    throughputSeconds: 15,
    search: { ...SEARCH, stepSeconds: 20 },
    longTx: { rate: 200, seconds: 30 },
    warmUp: { rate: 200, seconds: 90 },
    // About 7 minutes (estimated from the quick one, not yet measured): 2 passes, each restarting the instances three times for a 100,000-event backlog.
    scaleOut: { instances: [1, 2, 4], backlog: 100_000, rate: 200, seconds: 20, windows: 2, passes: 2 },
  },
  // About 11 minutes (2 cores).
  quick: {
    rates: [50, 200],
    seconds: 5,
    repetitions: 3,
    idleSeconds: 10,
    liveCpuRate: 200,
    burst: 10_000,
    throughputSeconds: 4,
    search: { ...SEARCH, stepSeconds: 5 },
    longTx: { rate: 200, seconds: 6 },
    warmUp: { rate: 200, seconds: 45 },
    // About 75 s (72 s measured, 2 cores): one pass; the backlog is three times the quick burst, so a catch-up lasts seconds.
    scaleOut: { instances: [1, 2, 4], backlog: 30_000, rate: 200, seconds: 5, windows: 2, passes: 1 },
  },
  // Every scenario at tiny sizes, so the code cannot rot unnoticed (tests/e2e/bench-smoke.e2e.test.ts); figures mean nothing.
  smoke: {
    rates: [50, 200],
    seconds: 2,
    repetitions: 1,
    idleSeconds: 2,
    liveCpuRate: 200,
    burst: 300,
    throughputSeconds: 1,
    search: { ...SEARCH, maxSteps: 2, stepSeconds: 2 },
    longTx: { rate: 50, seconds: 2 },
    warmUp: { rate: 50, seconds: 2 },
    // One and two instances only: the code runs, in about half a minute.
    scaleOut: { instances: [1, 2], backlog: 300, rate: 50, seconds: 2, windows: 1, passes: 1 },
  },
};
const plan = PLANS[mode];

async function main() {
  const pageFrom = args.indexOf('--page');
  if (pageFrom >= 0) return rewritePage(args[pageFrom + 1]);
  const scalePageFrom = args.indexOf('--scale-page');
  if (scalePageFrom >= 0) return rewriteScaleSection(args[scalePageFrom + 1]);
  const started = Date.now();
  // Scale: one-minute outbox partitions, so its retention round archives the history without waiting days.
  const stack = scale
    ? withSettings(benchStackConfig(), { OUTBOX_PARTITION_INTERVAL: '1 minute', OUTBOX_PARTITIONS_AHEAD: '30' })
    : mode === 'smoke'
      ? benchSmokeStackConfig()
      : benchStackConfig();
  const conditions = conditionsOf(
    stack,
    {
      repetitions: plan.repetitions,
      windowSeconds: plan.seconds,
      idleSeconds: plan.idleSeconds,
      warmUp: plan.warmUp,
      liveCpuRate: plan.liveCpuRate,
      burstEvents: plan.burst,
      throughputSeconds: plan.throughputSeconds,
    },
    scale ? ['OUTBOX_PARTITION_INTERVAL', 'OUTBOX_PARTITIONS_AHEAD'] : [],
  );
  console.log(
    only
      ? `npm run bench -- --only ${only} (${mode}): the warm-up, then that scenario alone`
      : scale
        ? `npm run bench -- --scale: read paths at ~2,000 outbox events, then after ${scaleEvents.toLocaleString('en')} more through the pipeline`
        : `npm run bench (${mode}): rates ${plan.rates.join(', ')}/s and the highest sustained, ${plan.repetitions} × ${plan.seconds} s windows each, bursts of ${plan.burst} events`,
  );
  // More projector instances a run left behind (the scale-out scenario's) are not pieces stopStack knows.
  await stopProjectorInstances(stackDirs(stack.stackDir));
  await stopStack(stack);
  rmSync(stack.stackDir, { recursive: true, force: true });
  await deleteStackTopology(stack).catch(() => undefined);
  // Ctrl-C (or a CI timeout's SIGTERM) must not leave the bench stack running: Postgres, RabbitMQ,
  // Debezium and the services are detached processes that outlive this one.
  // `on`, not `once`: a Ctrl-C reaches this process twice (from the terminal, and relayed by the
  // tsx and npm wrappers), and a second signal without a handler would kill it mid-stop.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      console.error(`\n${signal}: stopping the bench stack...`);
      interrupted = stopStack(stack).then(
        () => process.exit(130),
        () => process.exit(130),
      );
    });
  }
  try {
    await startStack(stack, (line) => console.log(`[stack] ${line}`));
  } catch (err) {
    // What did start must not outlive a start that failed.
    await stopStack(stack).catch(() => undefined);
    throw err;
  }

  const bars = new MultiBar(
    // Without a terminal (CI, a log file) the bars are printed every few seconds instead.
    {
      format: '{label} [{bar}] {value}/{total}',
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: true,
      notTTYSchedule: 5_000,
    },
    Presets.shades_classic,
  );
  const bar = bars.create(1, 0, { label: 'starting'.padEnd(40) });
  let phase = '';
  const progress: Progress = (label, done, total) => {
    // A timeline of the run: one line as each phase begins, with the time since the start.
    const now = label.split(':')[0]!;
    if (now !== phase) bars.log(`[${Math.round((Date.now() - started) / 1000)} s] ${(phase = now)}\n`);
    bar.setTotal(Math.max(1, total));
    bar.update(Math.min(done, total), { label: label.padEnd(40) });
  };
  const ctx = createContext(stack, (line) => bars.log(`${line}\n`));
  try {
    if (scale) {
      const results = {
        startedAt: new Date(started).toISOString(),
        machine: machine(stack.DEBEZIUM_VERSION),
        ...(await runScale(ctx, scaleEvents, progress)),
      };
      bars.stop();
      const file = `bench/results/${results.startedAt.replace(/[:.]/g, '-')}-scale.json`;
      mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
      writeFileSync(join(repoRoot, file), `${JSON.stringify(results, null, 2)}\n`);
      printScale(results);
      writeScaleSection(join(repoRoot, 'docs', 'benchmarks.md'), renderScale(results, file));
      console.log(`\nresults: ${file} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
      return;
    }
    if (only) {
      const scaleOut = await measureScaleOutOnly(ctx, progress);
      bars.stop();
      writeScaleOutOnly({
        mode,
        startedAt: new Date(started).toISOString(),
        machine: machine(stack.DEBEZIUM_VERSION),
        conditions,
        scaleOut,
      });
      console.log(`${((Date.now() - started) / 1000).toFixed(0)} s in all`);
      return;
    }
    const measured = await measureAll(ctx, progress);
    bars.stop();

    const results: BenchResults = {
      mode,
      startedAt: new Date(started).toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      machine: machine(stack.DEBEZIUM_VERSION),
      conditions,
      ...measured,
    };
    // A smoke run's figures mean nothing: they go to a folder of their own (--results <file> or a
    // temporary one), never to bench/results or docs/benchmarks.md.
    const stamp = results.startedAt.replace(/[:.]/g, '-');
    const file =
      optionValue('--results') ??
      (mode === 'smoke'
        ? join(tmpdir(), `bench-smoke-${stamp}`, 'results.json')
        : join(repoRoot, 'bench', 'results', `${stamp}-${mode}.json`));
    const docsDir = mode === 'smoke' ? join(dirname(file), 'docs') : join(repoRoot, 'docs');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    const shown = relative(repoRoot, file).startsWith('..') ? file : relative(repoRoot, file);
    await writePage(docsDir, results, shown, { tuningLog: TUNING_LOG });
    printSummary(results);
    console.log(`\nresults: ${shown}\npage:    ${join(docsDir, 'benchmarks.md')} (charts in ${join(docsDir, 'benchmarks')}/)`);
    console.log(`${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  } finally {
    bars.stop();
    await Promise.allSettled([ctx.write.end(), ctx.read.end()]);
    await stopProjectorInstances(ctx.dirs);
    await stopStack(stack);
    await deleteStackTopology(stack).catch(() => undefined);
  }
}

/** Every scenario of the plan, in order, on the running stack. */
async function measureAll(ctx: BenchContext, progress: Progress) {
  const reps = plan.repetitions;
  await createProducts(ctx, 20);
  await runOrdersAtRate(ctx, plan.warmUp.rate, plan.warmUp.seconds, progress, 'warm-up');

  const idle: IdleWindow[] = [];
  for (let i = 1; i <= reps; i++) idle.push(await idleWindow(ctx, plan.idleSeconds, progress, `idle ${i}/${reps}`));

  const freshness = new Freshness();
  for (const rate of plan.rates) await oursAndFloors(ctx, rate, freshness, progress);

  const liveCpu: LiveCpuWindow[] = [];
  for (let i = 1; i <= reps; i++)
    liveCpu.push(
      await liveCpuWindow(ctx, plan.liveCpuRate, plan.seconds, progress, `live CPU ${plan.liveCpuRate}/s ${i}/${reps}`),
    );

  const sustained = await findSustainedRate(ctx, plan.search, progress);
  // Freshness at the highest sustained rate too, when it is above the plan's rates (not in the smoke run).
  if (mode !== 'smoke' && sustained.rate > Math.max(...plan.rates)) await oursAndFloors(ctx, sustained.rate, freshness, progress);
  const longTransactions = [await longTransactionsWindow(ctx, 'cdc', progress)];
  const burst = await runBurst(ctx, plan.burst, reps, progress);
  const scaleOut = await runScaleOut(ctx, plan.scaleOut, progress);
  const commandApi = await commandApiThroughput(ctx, plan.throughputSeconds, reps, progress);
  const queryApi = await queryApiThroughput(ctx, plan.throughputSeconds, reps, progress);

  await stopRecorded(ctx.dirs, DEBEZIUM);
  let relaySustained: SustainedRate | undefined;
  for (const { mode: relayMode, system } of RELAYS) {
    const relay = await startRelay(ctx, relayMode);
    try {
      for (const rate of plan.rates) {
        for (let i = 1; i <= reps; i++) {
          const cost = await startWriteCost(ctx.write, ctx.stack.WRITE_DB_NAME);
          const r = await runOrdersAtRate(ctx, rate, plan.seconds, progress, `${system} ${rate}/s ${i}/${reps}`);
          freshness.add(system, rate, brokerWindow(r, await cost.stop(r.outboxEvents)));
        }
      }
      // The LISTEN/NOTIFY relay's highest sustained rate, searched as ours was.
      if (system === 'listen-notify-relay') relaySustained = await findSustainedRate(ctx, plan.search, progress, system);
      // Last: the legacy relay loses events here, and nothing can drain after that.
      longTransactions.push(await longTransactionsWindow(ctx, system, progress));
    } finally {
      await relay.stop();
    }
  }
  return {
    idle,
    liveCpu,
    freshness: freshness.runs(),
    longTransactions,
    sustained,
    ...(relaySustained ? { relaySustained } : {}),
    burst,
    scaleOut,
    throughput: [commandApi, queryApi],
  };
}

/** `--only scale-out`: the workload's products, the warm-up, then the scenario alone. */
async function measureScaleOutOnly(ctx: BenchContext, progress: Progress): Promise<ScaleOutResult> {
  await createProducts(ctx, 20);
  await runOrdersAtRate(ctx, plan.warmUp.rate, plan.warmUp.seconds, progress, 'warm-up');
  return runScaleOut(ctx, plan.scaleOut, progress);
}

/**
 * A run of one scenario is not a bench run: its results and its section of the page go to a
 * folder of their own (--results <file>, or a temporary one), never to bench/results or
 * docs/benchmarks.md, whose every figure comes from one whole run.
 */
function writeScaleOutOnly(results: Omit<BenchResults, 'durationSeconds' | 'freshness' | 'burst' | 'throughput'>) {
  const file =
    optionValue('--results') ?? join(tmpdir(), `bench-only-${results.startedAt.replace(/[:.]/g, '-')}`, 'results.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...results, only }, null, 2)}\n`);
  const command = `npm run bench -- --only scale-out${mode === 'quick' ? '' : ` --${mode}`}`;
  const section = scaleOutSection(results.scaleOut!, cpus().length, command);
  writeFileSync(join(dirname(file), 'scale-out.md'), `${section.join('\n')}\n`);
  printScaleOut(results.scaleOut!);
  console.log(`\nresults: ${file}\nsection: ${join(dirname(file), 'scale-out.md')}`);
}

function printScaleOut(result: ScaleOutResult) {
  const base = summarizeScaleOut(result.runs[0]!);
  console.log(
    `\nscale-out (${result.plan.backlog.toLocaleString('en')}-event catch-up; ${result.plan.rate} orders/s live)   catch-up/s   ratio   p50 ms   p99 ms   p99 ratio   busy cores catch-up / live`,
  );
  for (const run of result.runs) {
    const s = summarizeScaleOut(run);
    const f = (x: number, d = 1) => x.toFixed(d).padStart(8);
    console.log(
      `${`${s.instances} instance(s): ${s.shards}`.padEnd(58)}${f(s.catchUpEventsPerSecond.median, 0)} ${f(s.catchUpEventsPerSecond.median / base.catchUpEventsPerSecond.median, 2)} ${f(s.p50.median)} ${f(s.p99.median)} ${f(s.p99.median / base.p99.median, 2)}   ${s.catchUpBusyCores.toFixed(2)} / ${s.liveBusyCores.toFixed(2)}`,
    );
  }
}

/** The freshness windows as they are measured, gathered into one run per system and rate. */
class Freshness {
  private byKey = new Map<string, FreshnessRun>();

  add(system: System, rate: number, window: FreshnessWindow) {
    const key = `${system}@${rate}`;
    const run = this.byKey.get(key) ?? { system, rate, seconds: plan.seconds, windows: [] };
    run.windows.push(window);
    this.byKey.set(key, run);
  }

  runs(): FreshnessRun[] {
    return [...this.byKey.values()];
  }
}

/** Ours, then the floors in a window of their own (Debezium paused), in turn, `repetitions` times. */
async function oursAndFloors(ctx: BenchContext, rate: number, freshness: Freshness, progress: Progress) {
  const reps = plan.repetitions;
  for (let i = 1; i <= reps; i++) {
    const cost = await startWriteCost(ctx.write, ctx.stack.WRITE_DB_NAME);
    const r = await runOrdersAtRate(ctx, rate, plan.seconds, progress, `CDC ${rate}/s ${i}/${reps}`);
    freshness.add('cdc', rate, brokerWindow(r, await cost.stop(r.outboxEvents)));
    const floors = await floorWindows(ctx, rate, plan.seconds, progress, `floors ${rate}/s ${i}/${reps} (Debezium paused)`);
    freshness.add('floor-apply', rate, floors.apply);
    freshness.add('floor-receipt', rate, floors.receipt);
  }
}

function printScale(results: ScaleResults) {
  const [small, large, retained] = results.points;
  if (!small || !large || !retained) return;
  const g = results.generated;
  const r = results.retention;
  const n = (x: number) => x.toLocaleString('en');
  console.log(
    `\n${n(g.events)} events generated in ${g.seconds.toFixed(0)} s, all applied by the projector after ${g.drainedSeconds.toFixed(0)} s`,
  );
  console.log(
    `retention (every ended partition): ${r.archivedPartitions} partitions, ${n(r.archivedEvents)} events archived, ${n(r.pruned)} inbox rows pruned in ${r.seconds} s`,
  );
  console.log(
    `${'read path'.padEnd(48)} ${`p50 at ${n(small.outboxEvents)}`.padStart(16)} ${`p50 at ${n(large.outboxEvents)}`.padStart(18)}  ratio ${'after retention'.padStart(16)}`,
  );
  for (const cost of small.costs) {
    const big = large.costs.find((c) => c.path === cost.path)!;
    const after = retained.costs.find((c) => c.path === cost.path)!;
    console.log(
      `${cost.path.padEnd(48)} ${`${cost.p50} ms`.padStart(16)} ${`${big.p50} ms`.padStart(18)}  ${(big.p50 / cost.p50).toFixed(2)}× ${`${after.p50} ms`.padStart(16)}`,
    );
  }
}

/** `npm run bench -- --page <results.json>`: the page and charts again from a recorded run, nothing measured. */
async function rewritePage(file: string | undefined) {
  if (!file) throw new Error('usage: npm run bench -- --page bench/results/<run>.json');
  const results = JSON.parse(readFileSync(join(repoRoot, file), 'utf8')) as BenchResults;
  await writePage(join(repoRoot, 'docs'), results, file, { tuningLog: TUNING_LOG });
  console.log(`page: docs/benchmarks.md (charts in docs/benchmarks/), from ${file}`);
}

/** `npm run bench -- --scale-page <results-scale.json>`: the page's scale section again from a recorded run. */
function rewriteScaleSection(file: string | undefined) {
  if (!file) throw new Error('usage: npm run bench -- --scale-page bench/results/<run>-scale.json');
  const run = JSON.parse(readFileSync(join(repoRoot, file), 'utf8')) as ScaleRun;
  writeScaleSection(join(repoRoot, 'docs', 'benchmarks.md'), renderScale(run, file));
  console.log(`docs/benchmarks.md: scale section from ${file}`);
}

/** The baselines users pick instead of Debezium, each in its own process (bench/relays). */
const RELAYS: { mode: RelayMode; system: System }[] = [
  { mode: 'skip-locked-100ms', system: 'skip-locked-relay' },
  { mode: 'listen-notify', system: 'listen-notify-relay' },
  { mode: 'legacy-1s', system: 'polling-relay' },
];

function longTransactionsWindow(ctx: BenchContext, system: System, progress: Progress) {
  return runWithLongTransactions(ctx, system, plan.longTx.rate, plan.longTx.seconds, progress);
}

function machine(debezium: string) {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
    } catch {
      return 'unknown';
    }
  };
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: version('psql', ['--version']),
    debeziumServer: debezium,
  };
}

function printSummary(results: BenchResults) {
  for (const t of results.throughput) {
    console.log(
      `${t.name}: ${t.http.requestsPerSecond.toFixed(0)} req/s (p99 ${t.http.p99Ms} ms) vs pgbench ${t.sql.transactionsPerSecond.toFixed(0)}/s: ${t.ratio.toFixed(2)}×`,
    );
  }
  console.log('\nfreshness (ms, median of the windows)   p50      p99   failed   over');
  for (const r of results.freshness) {
    const s = summarize(r);
    const f = (x: number) => x.toFixed(1).padStart(8);
    console.log(
      `${`${r.system} ${r.rate}/s`.padEnd(36)}${f(s.p50.median)} ${f(s.p99.median)} ${String(s.failed).padStart(8)}   ${s.covered} of ${s.ok} ok orders (${s.windows} windows)`,
    );
  }
  for (const s of [results.sustained, results.relaySustained]) {
    if (s)
      console.log(
        `highest sustained (${s.system}): ${s.rate}/s (${s.end}; steps ${s.steps.map((x) => `${x.rate}${x.kept ? '✓' : '✗'}`).join(' ')})`,
      );
  }
  if (results.burst) {
    const b = results.burst;
    console.log(
      `\nburst of ${b.events}: debezium ${b.debeziumEventsPerSecond.toFixed(0)}/s, baseline ${b.baselineEventsPerSecond?.toFixed(0)}/s, projector ${b.projectorEventsPerSecond.toFixed(0)}/s`,
    );
  }
  if (results.scaleOut) printScaleOut(results.scaleOut);
  console.log('\ntargets:');
  for (const t of targetsOf(results)) console.log(`  ${t.name}: ${verdictOf(t).replace(/\*\*/g, '')}`);
}

/** Set by a signal: the stack is being stopped, and the process exits when that is done. */
let interrupted: Promise<void> | undefined;

// Exit explicitly: a client library's stray timer must not keep a finished run alive. After a
// signal the run fails as its helpers die; the stop the signal began decides when to exit.
main().then(
  () => interrupted ?? process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    if (interrupted) return;
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
