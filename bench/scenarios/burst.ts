import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import { ALL_SHARDS, shardQueueOf } from '@shop/shared/messaging';
import { stopRecorded } from '../../infra/src/native/processes.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import type { BenchContext } from '../context.ts';
import type { Progress } from './freshness.ts';

export interface BurstResult {
  events: number;
  debeziumSeconds: number;
  debeziumEventsPerSecond: number;
  bareConsumeSeconds: number;
  bareConsumeEventsPerSecond: number;
  projectorSeconds: number;
  projectorEventsPerSecond: number;
  /** eventsBehind over time from the start of the burst: [seconds, events]. */
  lagSamples: [number, number][];
}

const COPY_QUEUE = 'bench.copy';

/**
 * A burst of outbox rows written in one statement while the projector is stopped: how fast
 * Debezium moves them to RabbitMQ; then how fast a bare consume-and-ack loop drains a copy of the
 * same messages, and how fast the projector catches up on the originals.
 */
export async function runBurst(ctx: BenchContext, events: number, progress: Progress): Promise<BurstResult> {
  const connection = await amqp.connect(rabbitUrl(ctx.stack));
  const channel = await connection.createChannel();
  await channel.assertQueue(COPY_QUEUE, { durable: false, arguments: { 'x-queue-mode': 'lazy' } });
  await channel.bindQueue(COPY_QUEUE, ctx.stack.EVENTS_EXCHANGE, 'outbox.event.#');
  await stopRecorded(ctx.dirs, 'projector');
  const baseline = await queued(channel, ctx);
  const processedBefore = (await ctx.read.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n as number;

  const lagSamples: [number, number][] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => void sampleLag(ctx, t0, lagSamples), 500);
  try {
    await ctx.write.query(
      `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
       SELECT gen_random_uuid(), 'product', (2000000 + g % 5000)::text, 'ProductUpdated',
              jsonb_build_object('productId', 2000000 + g % 5000, 'name', 'burst ' || g, 'category', 'burst', 'price', 9.99, 'stock', g)
         FROM generate_series(1, $1::int) AS g`,
      [events],
    );
    const inserted = performance.now();
    await until(
      async () => (await queued(channel, ctx)) - baseline >= events,
      (n) => progress('debezium → rabbitmq', n, events),
      async () => (await queued(channel, ctx)) - baseline,
    );
    const debeziumSeconds = (performance.now() - inserted) / 1000;

    const bareStart = performance.now();
    await bareConsume(ctx, connection, events, (n) => progress('bare consume-and-ack', n, events));
    const bareConsumeSeconds = (performance.now() - bareStart) / 1000;

    // Timed from the first event applied, so the projector's own start-up is not counted.
    await startServices(ctx.stack, ctx.dirs, () => undefined);
    const applied = async () =>
      ((await ctx.read.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n as number) - processedBefore;
    await until(
      async () => (await applied()) > 0,
      () => undefined,
      applied,
    );
    const projectorStart = performance.now();
    const appliedAtStart = await applied();
    await until(
      async () => (await applied()) >= events,
      (n) => progress('projector catch-up', n, events),
      applied,
    );
    const projectorSeconds = (performance.now() - projectorStart) / 1000;
    return {
      events,
      debeziumSeconds,
      debeziumEventsPerSecond: events / debeziumSeconds,
      bareConsumeSeconds,
      bareConsumeEventsPerSecond: events / bareConsumeSeconds,
      projectorSeconds,
      projectorEventsPerSecond: (events - appliedAtStart) / projectorSeconds,
      lagSamples,
    };
  } finally {
    clearInterval(sampler);
    await channel.deleteQueue(COPY_QUEUE).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
}

async function queued(channel: amqp.Channel, ctx: BenchContext) {
  let total = 0;
  for (const shard of ALL_SHARDS)
    total += (
      await channel.checkQueue(shardQueueOf({ exchange: ctx.stack.EVENTS_EXCHANGE, queue: ctx.stack.PROJECTOR_QUEUE }, shard))
    ).messageCount;
  return total;
}

/** The baseline: consume and ack with the projector's own prefetch window, acking a batch at a time as it does. */
async function bareConsume(ctx: BenchContext, connection: amqp.ChannelModel, events: number, onProgress: (n: number) => void) {
  const channel = await connection.createChannel();
  await channel.prefetch(ctx.stack.PROJECTOR_PREFETCH);
  const ackEvery = ctx.stack.PROJECTOR_BATCH_SIZE;
  let consumed = 0;
  await new Promise<void>((resolve) => {
    void channel.consume(COPY_QUEUE, (msg) => {
      if (!msg) return;
      consumed++;
      if (consumed % ackEvery === 0 || consumed >= events) channel.ack(msg, true);
      if (consumed % 1000 === 0) onProgress(consumed);
      if (consumed >= events) resolve();
    });
  });
  onProgress(consumed);
  await channel.close();
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

async function sampleLag(ctx: BenchContext, t0: number, samples: [number, number][]) {
  try {
    const res = await fetch(`${ctx.queryApi}/api/analytics/sync-status`);
    const status = (await res.json()) as { eventsBehind: number | null };
    if (status.eventsBehind !== null) samples.push([(performance.now() - t0) / 1000, status.eventsBehind]);
  } catch {
    // a missed sample is a gap in the chart, not a failure
  }
}
