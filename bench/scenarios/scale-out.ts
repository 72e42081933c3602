import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import { shardQueueOf } from '@shop/shared/messaging';
import { readShardRouting, routedShardCount, shardRange } from '@shop/shared/outbox';
import type { BenchContext } from '../context.ts';
import { waitUntilDrained } from '../context.ts';
import { startCpuAccounting, type CpuShare } from '../cpu-accounting.ts';
import { insertOrderMix } from './burst.ts';
import { outboxPosition, runOrdersAtRate, windowOf, type FreshnessWindow, type Progress } from './freshness.ts';
import {
  instancesSubscribed,
  restoreStackProjector,
  startProjectorInstances,
  stopProjectorInstances,
} from './projector-instances.ts';
import { passOrder, splitShards } from './scale-out-plan.ts';

/** What the scale-out scenario measures, and how long. */
export interface ScaleOutPlan {
  /** Projector instances, the first the baseline the others are compared with (1, 2, 4). */
  instances: number[];
  /** Events in each catch-up's backlog. */
  backlog: number;
  /** Orders/s of the live windows. */
  rate: number;
  /** Each live window's load, seconds. */
  seconds: number;
  /** Live windows per instance count and pass. */
  windows: number;
  /** Passes over the instance counts (a catch-up and the live windows each), in alternating order. */
  passes: number;
}

/** One catch-up: the backlog applied by the instances, all let go at once. */
export interface ScaleOutCatchUp {
  events: number;
  /** From the commit of the instances' first transaction to that of their last (commit timestamps). */
  seconds: number;
  /** Events after the first transaction's, over `seconds` (as the burst's projector catch-up). */
  eventsPerSecond: number;
  /** From letting the instances go until the last commit. */
  fromReleaseSeconds: number;
  /** Each process's share of a core, from letting the instances go until every event was applied. */
  cpu: { seconds: number; shares: CpuShare[] };
}

/** One live window with the instances running: its freshness and each process's CPU. */
export interface ScaleOutLiveWindow extends FreshnessWindow {
  events: number;
  cpu: { seconds: number; shares: CpuShare[] };
}

/** Every measurement of one instance count. */
export interface ScaleOutRun {
  instances: number;
  /** The shards of each instance (the first is the stack's own projector, restarted with them). */
  shards: number[][];
  catchUps: ScaleOutCatchUp[];
  live: ScaleOutLiveWindow[];
}

export interface ScaleOutResult {
  plan: ScaleOutPlan;
  shardCount: number;
  runs: ScaleOutRun[];
}

/** Order ids of the backlogs' events: apart from the bursts' (3,000,000 on) and the workload's. */
const BACKLOG_ORDERS = 5_000_000;

/**
 * The projector on the shard queues as 1, 2 and 4 instances, each consuming a disjoint subset
 * (PROJECTOR_SHARDS): how fast they catch up on a backlog, and how fresh the read side is at a
 * fixed rate, with the CPU of every process. The stack's own projector runs alone again afterwards.
 */
export async function runScaleOut(ctx: BenchContext, plan: ScaleOutPlan, progress: Progress): Promise<ScaleOutResult> {
  const shards = shardRange(routedShardCount(await readShardRouting(ctx.write)));
  const runs = new Map(plan.instances.map((n) => [n, { instances: n, shards: splitShards(shards, n), catchUps: [], live: [] }]));
  let backlogs = 0;
  try {
    for (let pass = 0; pass < plan.passes; pass++) {
      for (const n of passOrder(plan.instances, pass)) {
        const run: ScaleOutRun = runs.get(n)!;
        const label = `scale-out ${n} instance${n === 1 ? '' : 's'} (pass ${pass + 1}/${plan.passes})`;
        run.catchUps.push(
          await catchUp(ctx, run.shards, plan.backlog, backlogs++, (l, d, t) => progress(`${label}: ${l}`, d, t)),
        );
        for (let w = 1; w <= plan.windows; w++)
          run.live.push(await liveWindow(ctx, plan, progress, `${label}: ${plan.rate}/s ${w}/${plan.windows}`));
      }
    }
  } finally {
    await restoreStackProjector(ctx.stack, ctx.dirs);
  }
  return { plan, shardCount: shards.length, runs: [...runs.values()] };
}

/**
 * The instances stopped, the shard queues held by a consumer of the bench's (the queues have a
 * single active consumer), the backlog written and published by Debezium; then the instances
 * start, wait behind the bench's consumer until each has subscribed to its queues, and are all
 * let go at once when it closes: a slow start of one instance is not timed.
 */
async function catchUp(
  ctx: BenchContext,
  shards: number[][],
  events: number,
  backlogIndex: number,
  progress: Progress,
): Promise<ScaleOutCatchUp> {
  await waitUntilDrained(ctx, 300_000);
  await stopProjectorInstances(ctx.dirs);
  const hold = await holdShardQueues(ctx, shards.flat());
  try {
    const start = await outboxPosition(ctx);
    const queuedBefore = await hold.queued();
    await insertOrderMix(ctx, events, backlogIndex * (events / 2), BACKLOG_ORDERS);
    await until(async () => (await hold.queued()) - queuedBefore >= events, 'debezium → rabbitmq', progress, events, hold.queued);
    progress('starting the instances', 0, events);
    await startProjectorInstances(ctx.stack, ctx.dirs, shards);
    await until(
      () => instancesSubscribed(ctx.stack, shards).catch(() => false),
      'instances subscribing',
      progress,
      events,
      undefined,
      120_000,
    );
    // A shard is listed as its consume request goes out: let the last requests reach the broker.
    await new Promise((r) => setTimeout(r, 500));
    const cpu = await startCpuAccounting(ctx.read, ctx.dirs);
    const released = Date.now();
    await hold.release();
    const applied = async () => appliedSince(ctx, start);
    await until(async () => (await applied()) >= events, 'catch-up', progress, events, applied);
    const shares = await cpu.stop();
    const cpuSeconds = (Date.now() - released) / 1000;
    return { events, ...(await commitSpan(ctx, start, events, released)), cpu: { seconds: cpuSeconds, shares } };
  } finally {
    await hold.release();
  }
}

/** Events past `position` in the inbox. */
async function appliedSince(ctx: BenchContext, position: string): Promise<number> {
  const { rows } = await ctx.read.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox WHERE position > $1::bigint`, [
    position,
  ]);
  return rows[0]!.n;
}

/** The backlog's first and last apply commits (commit timestamps), as the burst's catch-up is timed. */
async function commitSpan(ctx: BenchContext, position: string, events: number, released: number) {
  const { rows } = await ctx.read.query<{ first: Date; last: Date; first_count: number }>(
    `WITH b AS (SELECT pg_xact_commit_timestamp(xmin) AS committed FROM inbox WHERE position > $1::bigint)
     SELECT min(committed) AS first, max(committed) AS last,
            (SELECT count(*)::int FROM b WHERE committed = (SELECT min(committed) FROM b)) AS first_count
       FROM b`,
    [position],
  );
  const { first, last, first_count } = rows[0]!;
  const seconds = (last.getTime() - first.getTime()) / 1000;
  return {
    seconds,
    eventsPerSecond: (events - first_count) / seconds,
    fromReleaseSeconds: (last.getTime() - released) / 1000,
  };
}

/** Orders at the plan's rate with the instances running (no broker tap), CPU counted until drained. */
async function liveWindow(ctx: BenchContext, plan: ScaleOutPlan, progress: Progress, label: string): Promise<ScaleOutLiveWindow> {
  const r = await runOrdersAtRate(ctx, plan.rate, plan.seconds, progress, label, { tap: false, cpu: true });
  return { ...windowOf(r, r.latencies), events: r.outboxEvents, cpu: r.cpu! };
}

/**
 * A consumer of the bench's on every shard queue, registered before any projector instance, so
 * that it is each queue's single active consumer: it takes one message per queue and acks
 * nothing, and the instances that subscribe after it wait. Closing it hands every queue to the
 * instance waiting on it at once, and returns the messages it held.
 */
async function holdShardQueues(ctx: BenchContext, shards: readonly number[]) {
  const connection = await amqp.connect(rabbitUrl(ctx.stack));
  const channel = await connection.createChannel();
  await channel.prefetch(1);
  const queues = shards.map((shard) =>
    shardQueueOf({ exchange: ctx.stack.EVENTS_EXCHANGE, queue: ctx.stack.PROJECTOR_QUEUE }, shard),
  );
  let held = 0;
  for (const queue of queues) await channel.consume(queue, () => void held++, { noAck: false });
  const counts = async () => Promise.all(queues.map((q) => channel.checkQueue(q)));
  let closed = false;
  return {
    /** Messages in the shard queues: ready, and held here. */
    queued: async () => (await counts()).reduce((sum, q) => sum + q.messageCount, 0) + held,
    release: async () => {
      if (closed) return;
      closed = true;
      await connection.close().catch(() => undefined);
    },
  };
}

async function until(
  done: () => Promise<boolean>,
  what: string,
  progress: Progress,
  total: number,
  count: () => Promise<number> = async () => 0,
  timeoutMs = 300_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`scale-out: ${what} timed out`);
    progress(what, await count(), total);
    await new Promise((r) => setTimeout(r, 100));
  }
}
