import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import { ALL_SHARDS, shardBindingKey, shardQueueOf } from '@shop/shared/messaging';
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

/** Copies of the shard queues for the bare consumer: as many, of the same type, bound the same way. */
const copyQueueOf = (shard: number) => `bench.copy.${shard}`;

/**
 * A burst of outbox rows in the order mix the command API writes (an `OrderPlaced` and a
 * `ProductUpdated` per one-line order), written in one statement while the projector is
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
  await stopRecorded(ctx.dirs, 'projector');
  const baseline = await queued(channel, ctx);
  const processedBefore = (await ctx.read.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n as number;

  const lagSamples: [number, number][] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => void sampleLag(ctx, t0, lagSamples), 500);
  try {
    await ctx.write.query(
      `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
       SELECT gen_random_uuid(), e.aggregatetype, e.aggregateid, e.type, e.payload
         FROM generate_series(1, $1::int / 2) AS g
        CROSS JOIN LATERAL (VALUES
          ('order', (3000000 + g)::text, 'OrderPlaced',
           jsonb_build_object('orderId', 3000000 + g, 'customerId', 1 + g % 500,
             'placedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'total', 9.99,
             'items', jsonb_build_array(jsonb_build_object('productId', 2000000 + g % 5000, 'category', 'burst-' || g % 5,
               'quantity', 1, 'unitPrice', 9.99, 'lineTotal', 9.99)))),
          ('product', (2000000 + g % 5000)::text, 'ProductUpdated',
           jsonb_build_object('productId', 2000000 + g % 5000, 'name', 'burst ' || g, 'category', 'burst-' || g % 5, 'price', 9.99, 'stock', g))
        ) AS e(aggregatetype, aggregateid, type, payload)`,
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

    // From the commit of the projector's first transaction of the burst to that of its last (commit
    // timestamps): neither its start-up nor the polling here is counted; the first transaction's
    // events are not counted either, as they were applied before the clock starts.
    await startServices(ctx.stack, ctx.dirs, () => undefined);
    const applied = async () =>
      ((await ctx.read.query('SELECT count(*)::int AS n FROM processed_events')).rows[0].n as number) - processedBefore;
    await until(
      async () => (await applied()) >= events,
      (n) => progress('projector catch-up', n, events),
      applied,
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
    for (const shard of ALL_SHARDS) await channel.deleteQueue(copyQueueOf(shard)).catch(() => undefined);
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

async function sampleLag(ctx: BenchContext, t0: number, samples: [number, number][]) {
  try {
    const res = await fetch(`${ctx.queryApi}/api/analytics/sync-status`);
    const status = (await res.json()) as { eventsBehind: number | null };
    if (status.eventsBehind !== null) samples.push([(performance.now() - t0) / 1000, status.eventsBehind]);
  } catch {
    // a missed sample is a gap in the chart, not a failure
  }
}
