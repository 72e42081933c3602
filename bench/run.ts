import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { DEBEZIUM } from '../infra/src/native/debezium-server.ts';
import { stopRecorded } from '../infra/src/native/processes.ts';
import { deleteStackTopology } from '../infra/src/native/rabbitmq.ts';
import { startStack, stopStack } from '../infra/src/native/stack.ts';
import { benchStackConfig, repoRoot } from '../infra/src/stack-config.ts';
import { createContext, createProducts, type BenchContext } from './context.ts';
import { writePage, type BenchResults } from './report/page.ts';
import { runBurst } from './scenarios/burst.ts';
import { startFloor } from './scenarios/floor.ts';
import { brokerRun, freshnessRun, runOrdersAtRate, type FreshnessRun, type Progress } from './scenarios/freshness.ts';
import { runWithLongTransactions } from './scenarios/long-transactions.ts';
import { startRelay } from './scenarios/relay.ts';
import { runScale, type ScaleResults } from './scale.ts';
import { renderScale, writeScaleSection, type ScaleRun } from './report/scale-section.ts';
import { startWriteCost, type WriteCost } from './scenarios/write-cost.ts';
import type { RelayMode } from './relays/main.ts';
import { findSustainedRate } from './scenarios/sustained.ts';
import { commandApiThroughput, queryApiThroughput } from './scenarios/throughput.ts';

const full = process.argv.includes('--full');
const scale = process.argv.includes('--scale');
const scaleEvents = Number(process.argv[process.argv.indexOf('--events') + 1] ?? 1_000_000) || 1_000_000;
const plan = full
  ? {
      rates: [50, 200],
      seconds: 60,
      burst: 100_000,
      throughputSeconds: 15,
      search: { stepSeconds: 30 },
      longTx: { rate: 200, seconds: 30 },
    }
  : {
      rates: [50, 200],
      seconds: 10,
      burst: 10_000,
      throughputSeconds: 4,
      search: { stepSeconds: 10 },
      longTx: { rate: 200, seconds: 6 },
    };

async function main() {
  const pageFrom = process.argv.indexOf('--page');
  if (pageFrom > 0) return rewritePage(process.argv[pageFrom + 1]);
  const scalePageFrom = process.argv.indexOf('--scale-page');
  if (scalePageFrom > 0) return rewriteScaleSection(process.argv[scalePageFrom + 1]);
  const started = Date.now();
  // Scale: one-minute outbox partitions, so its retention round archives the history without waiting days.
  const stack = scale
    ? { ...benchStackConfig(), OUTBOX_PARTITION_INTERVAL: '1 minute', OUTBOX_PARTITIONS_AHEAD: 30 }
    : benchStackConfig();
  console.log(
    scale
      ? `npm run bench -- --scale: read paths at ~2,000 outbox events, then after ${scaleEvents.toLocaleString('en')} more through the pipeline`
      : `npm run bench (${full ? 'full' : 'quick'}): rates ${plan.rates.join(', ')}/s and the highest sustained × ${plan.seconds} s, burst ${plan.burst} events`,
  );
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
  await startStack(stack, (line) => console.log(`[stack] ${line}`));

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
    await createProducts(ctx, 20);
    await runOrdersAtRate(ctx, 50, 2, progress, 'warm-up');
    const freshness: FreshnessRun[] = [];
    for (const rate of plan.rates) freshness.push(...(await measureCdcAndFloor(ctx, rate, progress)));
    const top = Math.max(...plan.rates);
    const sustained = await findSustainedRate(ctx, { from: top + 100, step: 100, max: 2_000, ...plan.search }, progress);
    const rates = sustained.rate > top ? [...plan.rates, sustained.rate] : plan.rates;
    if (sustained.rate > top) freshness.push(...(await measureCdcAndFloor(ctx, sustained.rate, progress)));
    const longTransactions = [await longTransactionsWindow(ctx, 'cdc', progress)];
    const burst = await runBurst(ctx, plan.burst, progress);
    const commandApi = await commandApiThroughput(ctx, plan.throughputSeconds, progress);
    const queryApi = await queryApiThroughput(ctx, plan.throughputSeconds, progress);
    await stopRecorded(ctx.dirs, DEBEZIUM);
    for (const { mode, system } of RELAYS) {
      const relay = await startRelay(ctx, mode);
      try {
        // The legacy relay also at the highest sustained rate, in full runs (quick runs stay under 6 minutes).
        for (const rate of mode === 'legacy-1s' && full ? rates : plan.rates) {
          const cost = await startWriteCost(ctx.write, ctx.stack.WRITE_DB_NAME);
          const r = await runOrdersAtRate(ctx, rate, plan.seconds, progress, `${system} ${rate}/s`);
          const writeCost = await cost.stop(r.outboxEvents);
          freshness.push(brokerRun(system, rate, plan.seconds, r, writeCost));
        }
        // Last: the legacy relay loses events here, and nothing can drain after that.
        longTransactions.push(await longTransactionsWindow(ctx, system, progress));
      } finally {
        await relay.stop();
      }
    }
    bars.stop();

    const results: BenchResults = {
      mode: full ? 'full' : 'quick',
      startedAt: new Date(started).toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      machine: machine(stack.DEBEZIUM_VERSION),
      freshness,
      longTransactions,
      sustained,
      burst,
      throughput: [commandApi, queryApi],
    };
    const resultsDir = join(repoRoot, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = `bench/results/${results.startedAt.replace(/[:.]/g, '-')}-${results.mode}.json`;
    writeFileSync(join(repoRoot, file), `${JSON.stringify(results, null, 2)}\n`);
    await writePage(join(repoRoot, 'docs'), results, file);
    printSummary(results);
    console.log(`\nresults: ${file}\npage:    docs/benchmarks.md (charts in docs/benchmarks/)`);
  } finally {
    bars.stop();
    await Promise.allSettled([ctx.write.end(), ctx.read.end()]);
    await stopStack(stack);
    await deleteStackTopology(stack).catch(() => undefined);
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
  await writePage(join(repoRoot, 'docs'), results, file);
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
const RELAYS: { mode: RelayMode; system: FreshnessRun['system'] }[] = [
  { mode: 'skip-locked-100ms', system: 'skip-locked-relay' },
  { mode: 'listen-notify', system: 'listen-notify-relay' },
  { mode: 'legacy-1s', system: 'polling-relay' },
];

function longTransactionsWindow(ctx: BenchContext, system: FreshnessRun['system'], progress: Progress) {
  return runWithLongTransactions(ctx, system, plan.longTx.rate, plan.longTx.seconds, progress);
}

/** Ours and the floor on the very same orders: the floor reads its own slot at the same time. */
async function measureCdcAndFloor(ctx: BenchContext, rate: number, progress: Progress): Promise<FreshnessRun[]> {
  const floor = await startFloor(ctx);
  let arrivals = new Map<string, number>();
  let r: Awaited<ReturnType<typeof runOrdersAtRate>>;
  let writeCost: WriteCost;
  try {
    const cost = await startWriteCost(ctx.write, ctx.stack.WRITE_DB_NAME);
    r = await runOrdersAtRate(ctx, rate, plan.seconds, progress, `CDC + floor ${rate}/s`);
    writeCost = await cost.stop(r.outboxEvents);
  } finally {
    arrivals = await floor.stop();
  }
  const floorLatencies = r.events.flatMap((e) => {
    const at = arrivals.get(e.id);
    return at === undefined ? [] : [at - e.committedAt];
  });
  return [
    brokerRun('cdc', rate, plan.seconds, r, writeCost),
    freshnessRun('floor', rate, plan.seconds, { ...r, latencies: floorLatencies }),
  ];
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
      `${t.name}: ${t.http.requestsPerSecond.toFixed(0)} req/s (p99 ${t.http.p99Ms} ms) vs SQL ${t.sql.transactionsPerSecond.toFixed(0)}/s: ${t.ratio.toFixed(2)}×`,
    );
  }
  console.log('\nfreshness (ms)          p50      p95      p99      max');
  for (const r of results.freshness) {
    const f = (n: number) => n.toFixed(1).padStart(8);
    console.log(
      `${`${r.system} ${r.rate}/s`.padEnd(22)}${f(r.latencyMs.p50)} ${f(r.latencyMs.p95)} ${f(r.latencyMs.p99)} ${f(r.latencyMs.max)}   (${r.latencyMs.count} orders)`,
    );
  }
  if (results.burst) {
    const b = results.burst;
    console.log(
      `\nburst of ${b.events}: debezium ${b.debeziumEventsPerSecond.toFixed(0)}/s, bare consume ${b.bareConsumeEventsPerSecond.toFixed(0)}/s, projector ${b.projectorEventsPerSecond.toFixed(0)}/s (${(b.projectorEventsPerSecond / b.bareConsumeEventsPerSecond).toFixed(2)}× bare)`,
    );
  }
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
