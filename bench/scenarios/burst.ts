import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import { shardBindingKey, shardQueueOf } from '@shop/shared/messaging';
import { shardRange } from '@shop/shared/outbox';
import { stackShardCount } from '../../infra/src/native/rabbitmq.ts';
import { stopRecorded } from '../../infra/src/native/processes.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import type { BenchContext } from '../context.ts';
import { startCpuAccounting, type CpuCategory } from '../cpu-accounting.ts';
import { startHelper } from '../helper-process.ts';
import { behindOverTime, committedAndApplied, outboxPosition, type Progress } from './freshness.ts';
import { spread } from '../report/stats.ts';

/** One burst: Debezium's rate, the catch-up baseline's and the projector's on the same events. */
export interface BurstSample {
  debeziumSeconds: number;
  debeziumEventsPerSecond: number;
  /** The catch-up baseline (baseline-client.ts); absent from runs that measured a bare consume instead. */
  baselineSeconds?: number;
  baselineEventsPerSecond?: number;
  /** Runs recorded before the baseline: a bare consume-and-ack loop. */
  bareConsumeSeconds?: number;
  bareConsumeEventsPerSecond?: number;
  projectorSeconds: number;
  projectorEventsPerSecond: number;
  /** CPU ms per event of the bench stack's own processes while the projector caught up. */
  catchUpStackCpuMsPerEvent?: number;
}

/** The median of the bursts for each stage (fields of BurstSample), every sample, and where the CPU went. */
export interface BurstResult extends BurstSample {
  events: number;
  /** Absent from runs recorded before bursts were repeated. */
  samples?: BurstSample[];
  /** CPU milliseconds per event while the projector caught up, by process, over every burst. */
  catchUpCpuMsPerEvent?: CpuPerEvent[];
  /** The same for the catch-up baseline. */
  baselineCpuMsPerEvent?: CpuPerEvent[];
  /** Runs recorded before the baseline: the bare consume-and-ack loop's. */
  bareCpuMsPerEvent?: CpuPerEvent[];
  /** Events committed and not yet applied over time, from the first burst's commit: [seconds, events]. */
  lagSamples: [number, number][];
}

export interface CpuPerEvent {
  process: string;
  ms: number;
  category?: CpuCategory;
}

type CpuWindow = { events: number; shares: { process: string; cpuSeconds: number; category?: CpuCategory }[] };

/** CPU seconds by process over several windows, and the events they handled: CPU ms per event. */
class CpuTally {
  private seconds = new Map<string, { seconds: number; category?: CpuCategory }>();
  private events = 0;

  add(window: CpuWindow): void {
    this.events += window.events;
    for (const c of window.shares) {
      const entry = this.seconds.get(c.process) ?? { seconds: 0, category: c.category };
      entry.seconds += c.cpuSeconds;
      this.seconds.set(c.process, entry);
    }
  }

  perEvent(): CpuPerEvent[] {
    return [...this.seconds]
      .map(([process, { seconds, category }]) => ({ process, ms: (seconds * 1000) / Math.max(1, this.events), category }))
      .filter((c) => c.ms >= 0.001)
      .sort((a, b) => b.ms - a.ms);
  }
}

/** CPU ms per event of the bench stack's own processes in one window. */
const stackMsPerEvent = (window: CpuWindow) =>
  (window.shares.filter((s) => s.category === 'stack').reduce((sum, s) => sum + s.cpuSeconds, 0) * 1000) /
  Math.max(1, window.events);

/** Runs `work` and counts the CPU every process used meanwhile (from /proc), in CPU seconds. */
async function withCpu<T>(ctx: BenchContext, work: () => Promise<T>) {
  const cpu = await startCpuAccounting(ctx.read, ctx.dirs);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const shares = (await cpu.stop()).map((c) => ({ process: c.process, cpuSeconds: c.cores * seconds, category: c.category }));
  return { result, shares };
}

const BASELINE = fileURLToPath(new URL('./baseline-client.ts', import.meta.url));
/** The baseline's inbox in the read database, shaped like the projector's (indexes and all). */
const BASELINE_INBOX = 'public.bench_baseline_inbox';

/** Copies of the shard queues for the catch-up baseline: as many, of the same type, bound the same way. */
const copyQueueOf = (shard: number) => `bench.copy.${shard}`;

/**
 * Bursts of outbox rows in the order mix the command API writes (an `OrderPlaced` and a
 * `ProductUpdated` per one-line order), each written in one statement while the projector is
 * stopped: how fast Debezium moves them to RabbitMQ; then how fast the catch-up baseline
 * (baseline-client.ts) writes the inbox rows of a copy of the same messages from as many queues
 * of the same type, and how fast the projector catches up on the originals.
 */
export async function runBurst(
  ctx: BenchContext,
  events: number,
  samplesWanted: number,
  progress: Progress,
): Promise<BurstResult> {
  const shards = shardRange(await stackShardCount(ctx.stack));
  const connection = await amqp.connect(rabbitUrl(ctx.stack));
  const channel = await connection.createChannel();
  for (const shard of shards) {
    await channel.assertQueue(copyQueueOf(shard), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(copyQueueOf(shard), ctx.stack.EVENTS_EXCHANGE, shardBindingKey(shard));
  }
  let lagSamples: [number, number][] = [];
  const samples: BurstSample[] = [];
  const catchUpCpu = new CpuTally();
  const baselineCpu = new CpuTally();
  try {
    for (let i = 0; i < samplesWanted; i++) {
      const label = `burst ${i + 1}/${samplesWanted}`;
      const sample = await burstOnce(
        ctx,
        connection,
        channel,
        shards,
        events,
        i * (events / 2),
        (l, n, t) => progress(`${label}: ${l}`, n, t),
        i === 0,
      );
      samples.push(sample.figures);
      if (sample.behind) lagSamples = sample.behind;
      catchUpCpu.add(sample.catchUpCpu);
      baselineCpu.add(sample.baselineCpu);
    }
  } finally {
    for (const shard of shards) await channel.deleteQueue(copyQueueOf(shard)).catch(() => undefined);
    await connection.close().catch(() => undefined);
    await ctx.read.query(`DROP TABLE IF EXISTS ${BASELINE_INBOX}`).catch(() => undefined);
  }
  const median = (value: (s: BurstSample) => number) => spread(samples.map(value)).median;
  return {
    events,
    debeziumSeconds: median((s) => s.debeziumSeconds),
    debeziumEventsPerSecond: median((s) => s.debeziumEventsPerSecond),
    baselineSeconds: median((s) => s.baselineSeconds!),
    baselineEventsPerSecond: median((s) => s.baselineEventsPerSecond!),
    projectorSeconds: median((s) => s.projectorSeconds),
    projectorEventsPerSecond: median((s) => s.projectorEventsPerSecond),
    catchUpStackCpuMsPerEvent: median((s) => s.catchUpStackCpuMsPerEvent!),
    samples,
    catchUpCpuMsPerEvent: catchUpCpu.perEvent(),
    baselineCpuMsPerEvent: baselineCpu.perEvent(),
    lagSamples,
  };
}

/** One burst; `offset` keeps each burst's order and product ids apart from the others'. */
async function burstOnce(
  ctx: BenchContext,
  connection: amqp.ChannelModel,
  channel: amqp.Channel,
  shards: number[],
  events: number,
  offset: number,
  progress: Progress,
  wantLag: boolean,
) {
  await stopRecorded(ctx.dirs, 'projector');
  const queuedBefore = await queued(channel, ctx, shards);
  const processedBefore = (await ctx.read.query('SELECT count(*)::int AS n FROM inbox')).rows[0].n as number;

  const start = await outboxPosition(ctx);
  await insertOrderMix(ctx, events, offset, BURST_ORDERS);
  const inserted = performance.now();
  await until(
    async () => (await queued(channel, ctx, shards)) - queuedBefore >= events,
    (n) => progress('debezium → rabbitmq', n, events),
    async () => (await queued(channel, ctx, shards)) - queuedBefore,
  );
  const debeziumSeconds = (performance.now() - inserted) / 1000;

  const baseline = await runBaseline(ctx, events, shards, (n) => progress('catch-up baseline', n, events));

  // From the commit of the projector's first transaction of the burst to that of its last (commit
  // timestamps): neither its start-up nor the polling here is counted; the first transaction's
  // events are not counted either, as they were applied before the clock starts. CPU is counted
  // from the first applied event on, so the projector's start-up is not in it either.
  await startServices(ctx.stack, ctx.dirs, () => undefined);
  const applied = async () =>
    ((await ctx.read.query('SELECT count(*)::int AS n FROM inbox')).rows[0].n as number) - processedBefore;
  await until(
    async () => (await applied()) > 0,
    () => progress('projector start-up', 0, events),
    applied,
  );
  const appliedBeforeCpu = await applied();
  const catchUp = await withCpu(ctx, () =>
    until(
      async () => (await applied()) >= events,
      (n) => progress('projector catch-up', n, events),
      applied,
    ),
  );
  const { rows: commits } = await ctx.read.query<{ first: Date; last: Date; first_count: number }>(
    `WITH burst AS (SELECT pg_xact_commit_timestamp(xmin) AS committed FROM inbox ORDER BY applied_at DESC LIMIT $1)
     SELECT min(committed) AS first, max(committed) AS last,
            (SELECT count(*)::int FROM burst b WHERE b.committed = (SELECT min(committed) FROM burst)) AS first_count
       FROM burst`,
    [events],
  );
  const projectorSeconds = (commits[0]!.last.getTime() - commits[0]!.first.getTime()) / 1000;
  const appliedAtStart = commits[0]!.first_count;
  const catchUpCpu = { events: events - appliedBeforeCpu, shares: catchUp.shares };
  return {
    figures: {
      debeziumSeconds,
      debeziumEventsPerSecond: events / debeziumSeconds,
      baselineSeconds: baseline.seconds,
      baselineEventsPerSecond: baseline.eventsPerSecond,
      projectorSeconds,
      projectorEventsPerSecond: (events - appliedAtStart) / projectorSeconds,
      catchUpStackCpuMsPerEvent: stackMsPerEvent(catchUpCpu),
    },
    catchUpCpu,
    // For the chart, from commit timestamps afterwards: nothing polls the pipeline during the burst.
    ...(wantLag ? { behind: await behindSince(ctx, start) } : {}),
    baselineCpu: { events, shares: baseline.shares },
  };
}

/** Order ids of the bursts' events: far above the workload's, so their read rows never meet. */
const BURST_ORDERS = 3_000_000;

/**
 * `events` outbox rows in the order mix the command API writes (an `OrderPlaced` and a
 * `ProductUpdated` per one-line order), in one statement: orders `firstOrderId + offset + 1` on,
 * so that each backlog's orders are apart from the others'.
 */
export async function insertOrderMix(ctx: BenchContext, events: number, offset: number, firstOrderId: number) {
  await ctx.write.query(
    `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
     SELECT gen_random_uuid(), e.aggregatetype, e.aggregateid, e.type, e.payload
       FROM generate_series($2::int + 1, $2::int + $1::int / 2) AS g
      CROSS JOIN LATERAL (VALUES
        ('order', ($3::int + g)::text, 'OrderPlaced',
         jsonb_build_object('orderId', $3::int + g, 'customerId', 1 + g % 500,
           'placedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'total', 9.99,
           'items', jsonb_build_array(jsonb_build_object('productId', 2000000 + g % 5000, 'category', 'burst-' || g % 5,
             'quantity', 1, 'unitPrice', 9.99, 'lineTotal', 9.99)))),
        ('product', (2000000 + g % 5000)::text, 'ProductUpdated',
         jsonb_build_object('productId', 2000000 + g % 5000, 'name', 'burst ' || g, 'category', 'burst-' || g % 5, 'price', 9.99, 'stock', g))
      ) AS e(aggregatetype, aggregateid, type, payload)`,
    [events, offset, firstOrderId],
  );
}

async function queued(channel: amqp.Channel, ctx: BenchContext, shards: number[]) {
  let total = 0;
  for (const shard of shards)
    total += (
      await channel.checkQueue(shardQueueOf({ exchange: ctx.stack.EVENTS_EXCHANGE, queue: ctx.stack.PROJECTOR_QUEUE }, shard))
    ).messageCount;
  return total;
}

/**
 * The catch-up baseline on the copies of the shard queues, in its own process, into an inbox table
 * of its own created afresh (shaped like the projector's); timed like the projector, by commit
 * timestamps from its first statement's commit to its last (the first statement's events not
 * counted), its CPU counted from its 'go' until every event is written and acked.
 */
async function runBaseline(ctx: BenchContext, events: number, shards: number[], onProgress: (n: number) => void) {
  await ctx.read.query(`DROP TABLE IF EXISTS ${BASELINE_INBOX}`);
  await ctx.read.query(`CREATE TABLE ${BASELINE_INBOX} (LIKE read.inbox INCLUDING ALL)`);
  const { PG_HOST: host, PG_PORT: port, PG_USER: user, PG_PASSWORD: password, READ_DB_NAME: database } = ctx.stack;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const helper = await startHelper<{ written: number }, { consumed: number; done?: boolean }>(
    BASELINE,
    {
      url: rabbitUrl(ctx.stack),
      queues: shards.map(copyQueueOf),
      prefetch: ctx.stack.PROJECTOR_PREFETCH,
      batchSize: ctx.stack.PROJECTOR_BATCH_SIZE,
      read: { host, port, user, password, database, application_name: 'bench-baseline' },
      table: BASELINE_INBOX,
      events,
    },
    'catch-up baseline',
    (p) => {
      onProgress(p.consumed);
      if (p.done) finished();
    },
  );
  let measured: Awaited<ReturnType<typeof withCpu>>;
  try {
    measured = await withCpu(ctx, async () => {
      helper.send('go');
      await done;
    });
  } finally {
    await helper.stop();
  }
  const { rows } = await ctx.read.query<{ first: Date; last: Date; first_count: number }>(
    `WITH t AS (SELECT pg_xact_commit_timestamp(xmin) AS committed FROM ${BASELINE_INBOX})
     SELECT min(committed) AS first, max(committed) AS last,
            (SELECT count(*)::int FROM t WHERE committed = (SELECT min(committed) FROM t)) AS first_count
       FROM t`,
  );
  const seconds = (rows[0]!.last.getTime() - rows[0]!.first.getTime()) / 1000;
  return { seconds, eventsPerSecond: (events - rows[0]!.first_count) / seconds, shares: measured.shares };
}

async function until(
  done: () => Promise<boolean>,
  onProgress: (n: number) => void,
  count: () => Promise<number>,
  timeoutMs = 600_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    onProgress(await count());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Events committed and not yet applied, every 100 ms, from the burst's commit on. */
async function behindSince(ctx: BenchContext, start: string): Promise<[number, number][]> {
  const { events, appliedAt } = await committedAndApplied(ctx, start);
  return behindOverTime(events, appliedAt);
}
