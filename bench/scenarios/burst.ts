import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import { ALL_SHARDS, shardBindingKey, shardQueueOf } from '@shop/shared/messaging';
import { stopRecorded } from '../../infra/src/native/processes.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import type { BenchContext } from '../context.ts';
import { startCpuAccounting } from '../cpu-accounting.ts';
import { behindOverTime, committedAndApplied, outboxPosition, type Progress } from './freshness.ts';

/** One burst: Debezium's rate, the bare consumer's and the projector's on the same events. */
export interface BurstSample {
  debeziumSeconds: number;
  debeziumEventsPerSecond: number;
  bareConsumeSeconds: number;
  bareConsumeEventsPerSecond: number;
  projectorSeconds: number;
  projectorEventsPerSecond: number;
}

/** The median of SAMPLES bursts for each stage (fields of BurstSample), every sample, and where the projector's CPU went. */
export interface BurstResult extends BurstSample {
  events: number;
  /** Absent from runs recorded before bursts were repeated. */
  samples?: BurstSample[];
  /** CPU milliseconds per event while the projector caught up, by process, over every burst. */
  catchUpCpuMsPerEvent?: CpuPerEvent[];
  /** The same for the bare consume-and-ack loop. */
  bareCpuMsPerEvent?: CpuPerEvent[];
  /** Events committed and not yet applied over time, from the first burst's commit: [seconds, events]. */
  lagSamples: [number, number][];
}

export interface CpuPerEvent {
  process: string;
  ms: number;
}

/** CPU seconds by process over several windows, and the events they handled: CPU ms per event. */
class CpuTally {
  private seconds = new Map<string, number>();
  private events = 0;

  add(window: { events: number; shares: { process: string; cpuSeconds: number }[] }): void {
    this.events += window.events;
    for (const c of window.shares) this.seconds.set(c.process, (this.seconds.get(c.process) ?? 0) + c.cpuSeconds);
  }

  perEvent(): CpuPerEvent[] {
    return [...this.seconds]
      .map(([process, seconds]) => ({ process, ms: (seconds * 1000) / Math.max(1, this.events) }))
      .filter((c) => c.ms >= 0.001)
      .sort((a, b) => b.ms - a.ms);
  }
}

/** Runs `work` and counts the CPU every process used meanwhile (from /proc), in CPU seconds. */
async function withCpu<T>(db: BenchContext['read'], work: () => Promise<T>) {
  const cpu = await startCpuAccounting(db);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const shares = (await cpu.stop()).map((c) => ({ process: c.process, cpuSeconds: c.cores * seconds }));
  return { result, shares };
}

/** Bursts per run: each stage's figure is the median, with the range of all. */
export const BURST_SAMPLES = 3;

/** Copies of the shard queues for the bare consumer: as many, of the same type, bound the same way. */
const copyQueueOf = (shard: number) => `bench.copy.${shard}`;

/**
 * Bursts of outbox rows in the order mix the command API writes (an `OrderPlaced` and a
 * `ProductUpdated` per one-line order), each written in one statement while the projector is
 * stopped: how fast Debezium moves them to RabbitMQ; then how fast a bare consume-and-ack loop
 * drains a copy of the same messages from as many queues of the same type, and how fast the
 * projector catches up on the originals.
 */
export async function runBurst(ctx: BenchContext, events: number, progress: Progress): Promise<BurstResult> {
  const connection = await amqp.connect(rabbitUrl(ctx.stack));
  const channel = await connection.createChannel();
  for (const shard of ALL_SHARDS) {
    await channel.assertQueue(copyQueueOf(shard), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(copyQueueOf(shard), ctx.stack.EVENTS_EXCHANGE, shardBindingKey(shard));
  }
  let lagSamples: [number, number][] = [];
  const samples: BurstSample[] = [];
  const catchUpCpu = new CpuTally();
  const bareCpu = new CpuTally();
  try {
    for (let i = 0; i < BURST_SAMPLES; i++) {
      const label = `burst ${i + 1}/${BURST_SAMPLES}`;
      const sample = await burstOnce(
        ctx,
        connection,
        channel,
        events,
        i * (events / 2),
        (l, n, t) => progress(`${label}: ${l}`, n, t),
        i === 0,
      );
      samples.push(sample.figures);
      if (sample.behind) lagSamples = sample.behind;
      catchUpCpu.add(sample.catchUpCpu);
      bareCpu.add(sample.bareCpu);
    }
  } finally {
    for (const shard of ALL_SHARDS) await channel.deleteQueue(copyQueueOf(shard)).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
  const median = (value: (s: BurstSample) => number) =>
    [...samples.map(value)].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  return {
    events,
    debeziumSeconds: median((s) => s.debeziumSeconds),
    debeziumEventsPerSecond: median((s) => s.debeziumEventsPerSecond),
    bareConsumeSeconds: median((s) => s.bareConsumeSeconds),
    bareConsumeEventsPerSecond: median((s) => s.bareConsumeEventsPerSecond),
    projectorSeconds: median((s) => s.projectorSeconds),
    projectorEventsPerSecond: median((s) => s.projectorEventsPerSecond),
    samples,
    catchUpCpuMsPerEvent: catchUpCpu.perEvent(),
    bareCpuMsPerEvent: bareCpu.perEvent(),
    lagSamples,
  };
}

/** One burst; `offset` keeps each burst's order and product ids apart from the others'. */
async function burstOnce(
  ctx: BenchContext,
  connection: amqp.ChannelModel,
  channel: amqp.Channel,
  events: number,
  offset: number,
  progress: Progress,
  wantLag: boolean,
) {
  await stopRecorded(ctx.dirs, 'projector');
  const baseline = await queued(channel, ctx);
  const processedBefore = (await ctx.read.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n as number;

  const start = await outboxPosition(ctx);
  await ctx.write.query(
    `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
     SELECT gen_random_uuid(), e.aggregatetype, e.aggregateid, e.type, e.payload
       FROM generate_series($2::int + 1, $2::int + $1::int / 2) AS g
      CROSS JOIN LATERAL (VALUES
        ('order', (3000000 + g)::text, 'OrderPlaced',
         jsonb_build_object('orderId', 3000000 + g, 'customerId', 1 + g % 500,
           'placedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'total', 9.99,
           'items', jsonb_build_array(jsonb_build_object('productId', 2000000 + g % 5000, 'category', 'burst-' || g % 5,
             'quantity', 1, 'unitPrice', 9.99, 'lineTotal', 9.99)))),
        ('product', (2000000 + g % 5000)::text, 'ProductUpdated',
         jsonb_build_object('productId', 2000000 + g % 5000, 'name', 'burst ' || g, 'category', 'burst-' || g % 5, 'price', 9.99, 'stock', g))
      ) AS e(aggregatetype, aggregateid, type, payload)`,
    [events, offset],
  );
  const inserted = performance.now();
  await until(
    async () => (await queued(channel, ctx)) - baseline >= events,
    (n) => progress('debezium → rabbitmq', n, events),
    async () => (await queued(channel, ctx)) - baseline,
  );
  const debeziumSeconds = (performance.now() - inserted) / 1000;

  const bareStart = performance.now();
  const bare = await withCpu(ctx.read, () =>
    bareConsume(ctx, connection, events, (n) => progress('bare consume-and-ack', n, events)),
  );
  const bareConsumeSeconds = (performance.now() - bareStart) / 1000;

  // From the commit of the projector's first transaction of the burst to that of its last (commit
  // timestamps): neither its start-up nor the polling here is counted; the first transaction's
  // events are not counted either, as they were applied before the clock starts. CPU is counted
  // from the first applied event on, so the projector's start-up is not in it either.
  await startServices(ctx.stack, ctx.dirs, () => undefined);
  const applied = async () =>
    ((await ctx.read.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n as number) - processedBefore;
  await until(
    async () => (await applied()) > 0,
    () => progress('projector start-up', 0, events),
    applied,
  );
  const appliedBeforeCpu = await applied();
  const catchUp = await withCpu(ctx.read, () =>
    until(
      async () => (await applied()) >= events,
      (n) => progress('projector catch-up', n, events),
      applied,
    ),
  );
  const { rows: commits } = await ctx.read.query<{ first: Date; last: Date; first_count: number }>(
    `WITH burst AS (SELECT pg_xact_commit_timestamp(xmin) AS committed FROM processed_events ORDER BY processed_at DESC LIMIT $1)
     SELECT min(committed) AS first, max(committed) AS last,
            (SELECT count(*)::int FROM burst b WHERE b.committed = (SELECT min(committed) FROM burst)) AS first_count
       FROM burst`,
    [events],
  );
  const projectorSeconds = (commits[0]!.last.getTime() - commits[0]!.first.getTime()) / 1000;
  const appliedAtStart = commits[0]!.first_count;
  return {
    figures: {
      debeziumSeconds,
      debeziumEventsPerSecond: events / debeziumSeconds,
      bareConsumeSeconds,
      bareConsumeEventsPerSecond: events / bareConsumeSeconds,
      projectorSeconds,
      projectorEventsPerSecond: (events - appliedAtStart) / projectorSeconds,
    },
    catchUpCpu: { events: events - appliedBeforeCpu, shares: catchUp.shares },
    // For the chart, from commit timestamps afterwards: nothing polls the pipeline during the burst.
    ...(wantLag ? { behind: await behindSince(ctx, start) } : {}),
    bareCpu: { events, shares: bare.shares },
  };
}

async function queued(channel: amqp.Channel, ctx: BenchContext) {
  let total = 0;
  for (const shard of ALL_SHARDS)
    total += (
      await channel.checkQueue(shardQueueOf({ exchange: ctx.stack.EVENTS_EXCHANGE, queue: ctx.stack.PROJECTOR_QUEUE }, shard))
    ).messageCount;
  return total;
}

/**
 * The baseline: consume and ack from the copies of the eight shard queues, a channel per queue
 * with the projector's prefetch window, acking as the projector settles: one multiple-ack when a
 * batch is full or when no more messages are waiting right now. Nothing is decoded or applied.
 */
async function bareConsume(ctx: BenchContext, connection: amqp.ChannelModel, events: number, onProgress: (n: number) => void) {
  const batch = ctx.stack.PROJECTOR_BATCH_SIZE;
  let consumed = 0;
  const channels: amqp.Channel[] = [];
  await new Promise<void>((resolve) => {
    for (const shard of ALL_SHARDS) {
      void (async () => {
        const channel = await connection.createChannel();
        channels.push(channel);
        await channel.prefetch(ctx.stack.PROJECTOR_PREFETCH);
        let last: amqp.ConsumeMessage | undefined;
        let unacked = 0;
        let flushScheduled = false;
        const flush = () => {
          flushScheduled = false;
          if (last) channel.ack(last, true);
          last = undefined;
          unacked = 0;
        };
        await channel.consume(copyQueueOf(shard), (msg) => {
          if (!msg) return;
          last = msg;
          unacked++;
          consumed++;
          if (unacked >= batch) flush();
          else if (!flushScheduled) {
            flushScheduled = true;
            setImmediate(flush);
          }
          if (consumed % 1000 === 0) onProgress(consumed);
          if (consumed >= events) resolve();
        });
      })();
    }
  });
  onProgress(consumed);
  await new Promise((r) => setImmediate(r));
  for (const channel of channels) await channel.close();
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
