import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  deadLetterExchangeOf,
  deadLetterQueueOf,
  declareTopology,
  shardQueueOf,
  type TopologyNames,
} from '@shop/shared/messaging';
import type { Logger } from '@shop/shared/log';
import { TransientFailure, type Verdict } from '../handle-batch.ts';
import { publishDeadLetter } from './dead-letter.ts';

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
}

export interface Consumer {
  isConnected(): boolean;
  deadLetterDepth(): Promise<number | undefined>;
  close(): Promise<void>;
}

interface Session {
  connection: ChannelModel;
  confirm: ConfirmChannel;
  closed: boolean;
}

/**
 * Consumes the shard queues, one channel each, and keeps doing so across broker restarts
 * (reconnect with exponential backoff). Per shard, messages are handled in delivery order, in
 * batches of what has arrived (up to batchSize), each settled only after its transaction commits.
 */
export function startConsumer(opts: ConsumerOptions): Consumer {
  let session: Session | undefined;
  let closing = false;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const loops = new Set<Promise<void>>();

  const connect = async () => {
    if (closing) return;
    let connection: ChannelModel | undefined;
    try {
      connection = await amqp.connect(opts.url, { clientProperties: { connection_name: 'projector' } });
      const current: Session = { connection, confirm: await connection.createConfirmChannel(), closed: false };
      connection.on('error', (err: unknown) => opts.log.warn({ err }, 'rabbitmq connection error'));
      connection.on('close', () => {
        current.closed = true;
        scheduleReconnect('connection closed');
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
    await channel.prefetch(opts.prefetch);
    const buffer: ConsumeMessage[] = [];
    let running = false;
    const drain = async () => {
      running = true;
      try {
        while (buffer.length > 0 && !current.closed && !closing) {
          await processBatch(current, channel, queue, buffer.splice(0, opts.batchSize));
        }
      } catch (err) {
        // The channel or connection died mid-batch: unsettled messages come back, the inbox absorbs repeats.
        opts.log.warn({ err, queue }, 'batch abandoned');
        buffer.length = 0;
      } finally {
        running = false;
      }
    };
    await channel.consume(queue, (msg) => {
      if (!msg) return;
      buffer.push(msg);
      if (!running && !closing) {
        const loop = drain();
        loops.add(loop);
        void loop.finally(() => loops.delete(loop));
      }
    });
  };

  const processBatch = async (current: Session, channel: Channel, queue: string, batch: ConsumeMessage[]) => {
    for (let retry = 0; ; retry++) {
      try {
        const verdicts = await opts.handleBatch(batch);
        await settle(current, channel, queue, batch, verdicts);
        return;
      } catch (err) {
        if (!(err instanceof TransientFailure) || current.closed || closing) throw err;
        const delay = Math.min(opts.maxDelayMs, 200 * 2 ** retry);
        opts.log.warn({ err: err.message, queue, delayMs: delay }, 'read database unavailable; retrying batch');
        await sleep(delay);
      }
    }
  };

  const settle = async (current: Session, channel: Channel, queue: string, batch: ConsumeMessage[], verdicts: Verdict[]) => {
    if (verdicts.every((v) => v.action === 'ack')) {
      channel.ack(batch[batch.length - 1]!, true);
      return;
    }
    for (const verdict of verdicts) {
      if (verdict.action === 'ack') channel.ack(verdict.msg);
      else if (verdict.action === 'requeue') channel.nack(verdict.msg, false, true);
      else {
        await opts.onDeadLetter(verdict.msg, verdict.reason);
        await publishDeadLetter(current.confirm, deadLetterExchangeOf(opts.names), verdict.msg, queue, verdict.reason);
        channel.ack(verdict.msg);
        opts.log.warn({ queue, reason: verdict.reason, routingKey: verdict.msg.fields.routingKey }, 'dead-lettered');
      }
    }
  };

  const scheduleReconnect = (reason: string) => {
    if (closing || reconnectTimer) return;
    session = undefined;
    const delay = Math.min(opts.maxDelayMs, 200 * 2 ** attempt++);
    opts.log.warn({ reason, delayMs: delay }, 'reconnecting to rabbitmq');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, delay);
  };

  void connect();

  return {
    isConnected: () => session !== undefined && !session.closed,
    deadLetterDepth: async () => {
      if (!session || session.closed) return undefined;
      // A channel of its own: a failed check closes the channel it ran on.
      const channel = await session.connection.createChannel().catch(() => undefined);
      const ok = await channel?.checkQueue(deadLetterQueueOf(opts.names)).catch(() => undefined);
      await channel?.close().catch(() => undefined);
      return ok?.messageCount;
    },
    close: async () => {
      closing = true;
      clearTimeout(reconnectTimer);
      await Promise.allSettled([...loops]);
      await session?.connection.close().catch(() => undefined);
    },
  };
}
