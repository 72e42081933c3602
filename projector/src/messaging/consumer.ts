import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ALL_SHARDS,
  deadLetterExchangeOf,
  deadLetterQueueOf,
  declareTopology,
  shardQueueOf,
  type TopologyNames,
} from '@shop/shared/messaging';
import type { Logger } from '@shop/shared/log';
import { publishDeadLetter } from '@shop/shared/messaging';
import { readyInShardQueues } from './queue-depth.ts';
import { ShardConsumer, type ShardChannel, type ShardConsumerDeps, type ShardStatus } from './shard-consumer.ts';
import type { Verdict } from './verdict.ts';

export interface ConsumerOptions {
  url: string;
  names: TopologyNames;
  shards: number[];
  prefetch: number;
  batchSize: number;
  maxDelayMs: number;
  log: Logger;
  handleBatch: (messages: ConsumeMessage[]) => Promise<Verdict[]>;
  /** Called before a message is dead-lettered; a failure leaves the message unsettled (it comes back). */
  onDeadLetter: (msg: ConsumeMessage, reason: string) => Promise<void>;
  report?: ShardConsumerDeps['report'];
}

export interface Consumer {
  isConnected(): boolean;
  /** Each consumed shard's settlement state; a shard with no open channel is absent. */
  shards(): Map<number, ShardStatus>;
  deadLetterDepth(): Promise<number | undefined>;
  /**
   * Shards that may still have events on their way: messages waiting in the queue, or deliveries
   * this instance holds unsettled. Every shard while the broker cannot be asked.
   */
  shardsInFlight(): Promise<Set<number>>;
  close(): Promise<void>;
}

interface Session {
  connection: ChannelModel;
  confirm: ConfirmChannel;
  closed: boolean;
}

/**
 * Consumes the shard queues, one channel and one ShardConsumer each (the settlement protocol
 * lives there), and keeps doing so: a shard whose channel ended is reopened after a backoff, and
 * the whole connection is re-established with exponential backoff after a broker restart.
 */
export function startConsumer(opts: ConsumerOptions): Consumer {
  let session: Session | undefined;
  let closing = false;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const active = new Map<number, ShardConsumer>();
  const reopenAttempts = new Map<number, number>();
  const backoff = (n: number) => Math.min(opts.maxDelayMs, 200 * 2 ** Math.min(n, 16));

  const connect = async () => {
    if (closing) return;
    let connection: ChannelModel | undefined;
    try {
      connection = await amqp.connect(opts.url, { clientProperties: { connection_name: 'projector' } });
      const current: Session = { connection, confirm: await connection.createConfirmChannel(), closed: false };
      connection.on('error', (err: unknown) => opts.log.warn({ err }, 'rabbitmq connection error'));
      connection.on('close', () => {
        current.closed = true;
        for (const shard of active.values()) shard.channelLost(new Error('connection closed'));
        scheduleReconnect('connection closed');
      });
      current.confirm.on('error', (err: unknown) => opts.log.warn({ err }, 'dead-letter channel error'));
      current.confirm.on('close', () => {
        // Parking needs it: without it every dead letter would be returned until the next reconnect.
        if (!current.closed) void connection?.close().catch(() => undefined);
      });
      await declareTopology(current.confirm, opts.names);
      for (const shard of opts.shards) await consumeShard(current, shard);
      session = current;
      attempt = 0;
      opts.log.info({ shards: opts.shards, prefetch: opts.prefetch, batchSize: opts.batchSize }, 'consuming');
    } catch (err) {
      opts.log.warn({ err }, 'cannot consume from rabbitmq');
      await connection?.close().catch(() => undefined);
      scheduleReconnect('connect failed');
    }
  };

  const consumeShard = async (current: Session, shard: number) => {
    const queue = shardQueueOf(opts.names, shard);
    const channel = await current.connection.createChannel();
    channel.on('error', (err: unknown) => opts.log.warn({ err, queue }, 'shard channel error'));
    await channel.prefetch(opts.prefetch);
    const consumer = new ShardConsumer({
      queue,
      channel: shardChannel(channel),
      batchSize: opts.batchSize,
      log: opts.log,
      handleBatch: opts.handleBatch,
      park: async (msg, reason, note) => {
        if (note) await opts.onDeadLetter(msg, reason);
        await publishDeadLetter(current.confirm, deadLetterExchangeOf(opts.names), msg, queue, reason);
        opts.log.warn({ queue, reason, routingKey: msg.fields.routingKey }, 'dead-lettered');
      },
      retryDelayMs: backoff,
      sleep: (ms) => sleep(ms),
      report: opts.report,
    });
    channel.on('close', () => consumer.channelLost());
    active.set(shard, consumer);
    void consumer.ended.then((fault) => {
      if (active.get(shard) === consumer) active.delete(shard);
      if (fault && !closing && !current.closed) reopenShard(current, shard);
    });
    await channel.consume(queue, (msg) => consumer.deliver(msg));
  };

  /** A shard whose channel ended after a fault gets a new one, after a pause that grows while faults repeat. */
  const reopenShard = (current: Session, shard: number) => {
    const n = reopenAttempts.get(shard) ?? 0;
    reopenAttempts.set(shard, n + 1);
    setTimeout(() => {
      if (closing || current.closed) return;
      consumeShard(current, shard)
        .then(() => setTimeout(() => reopenAttempts.delete(shard), opts.maxDelayMs * 3).unref())
        .catch((err: unknown) => {
          opts.log.warn({ err, shard }, 'cannot reopen shard channel; reconnecting');
          void current.connection.close().catch(() => undefined);
        });
    }, backoff(n)).unref();
  };

  const scheduleReconnect = (reason: string) => {
    if (closing || reconnectTimer) return;
    session = undefined;
    const delay = backoff(attempt++);
    opts.log.warn({ reason, delayMs: delay }, 'reconnecting to rabbitmq');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, delay);
  };

  void connect();

  return {
    isConnected: () => session !== undefined && !session.closed,
    shards: () => new Map([...active].map(([shard, consumer]) => [shard, consumer.status()])),
    deadLetterDepth: async () => {
      if (!session || session.closed) return undefined;
      // A channel of its own: a failed check closes the channel it ran on.
      const channel = await session.connection.createChannel().catch(() => undefined);
      const ok = await channel?.checkQueue(deadLetterQueueOf(opts.names)).catch(() => undefined);
      await channel?.close().catch(() => undefined);
      return ok?.messageCount;
    },
    shardsInFlight: async () => {
      const ready =
        session && !session.closed ? await readyInShardQueues(session.connection, opts.names).catch(() => undefined) : undefined;
      if (!ready) return new Set(ALL_SHARDS);
      const held = [...active].filter(([, consumer]) => consumer.status().unsettled > 0).map(([shard]) => shard);
      return new Set([...[...ready].filter(([, n]) => n > 0).map(([shard]) => shard), ...held]);
    },
    close: async () => {
      closing = true;
      clearTimeout(reconnectTimer);
      await Promise.allSettled([...active.values()].map((shard) => shard.stop()));
      await session?.connection.close().catch(() => undefined);
    },
  };
}

/** The settlement calls on an amqplib channel, by delivery tag. */
function shardChannel(channel: Channel): ShardChannel {
  const byTag = (tag: number) => ({ fields: { deliveryTag: tag } }) as ConsumeMessage;
  return {
    ack: (tag, multiple) => channel.ack(byTag(tag), multiple),
    returnToQueue: (tag) => channel.nack(byTag(tag), false, true),
    close: () => channel.close(),
  };
}
