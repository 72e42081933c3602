import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { declareTopology, type TopologyNames } from '@shop/shared/messaging';
import type { Logger } from '@shop/shared/log';

export type MessageHandler = (msg: ConsumeMessage) => Promise<'ack' | 'requeue' | 'dead-letter'>;

export interface ConsumerOptions {
  url: string;
  names: TopologyNames;
  prefetch: number;
  maxDelayMs: number;
  log: Logger;
  handle: MessageHandler;
}

export interface Consumer {
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * Consumes the projector queue and keeps doing so across broker restarts (reconnect with
 * exponential backoff). Messages are handled strictly one after another, in delivery order,
 * and settled only after the handler's transaction has committed.
 */
export function startConsumer(opts: ConsumerOptions): Consumer {
  let connection: ChannelModel | undefined;
  let channel: Channel | undefined;
  let closing = false;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();

  const connect = async () => {
    if (closing) return;
    try {
      connection = await amqp.connect(opts.url, { clientProperties: { connection_name: 'projector' } });
      connection.on('error', (err: unknown) => opts.log.warn({ err }, 'rabbitmq connection error'));
      connection.on('close', () => scheduleReconnect('connection closed'));
      channel = await connection.createChannel();
      await declareTopology(channel, opts.names);
      await channel.prefetch(opts.prefetch);
      const ch = channel;
      await ch.consume(opts.names.queue, (msg) => {
        if (msg) queue = queue.then(() => settle(ch, msg));
      });
      attempt = 0;
      opts.log.info({ queue: opts.names.queue, prefetch: opts.prefetch }, 'consuming');
    } catch (err) {
      opts.log.warn({ err }, 'cannot consume from rabbitmq');
      await connection?.close().catch(() => undefined);
      scheduleReconnect('connect failed');
    }
  };

  const settle = async (ch: Channel, msg: ConsumeMessage) => {
    try {
      const verdict = await opts.handle(msg);
      if (verdict === 'ack') ch.ack(msg);
      else ch.nack(msg, false, verdict === 'requeue');
    } catch (err) {
      // The channel died while we worked: the broker redelivers the message, the inbox absorbs it.
      opts.log.warn({ err }, 'could not settle message');
    }
  };

  const scheduleReconnect = (reason: string) => {
    if (closing || reconnectTimer) return;
    connection = undefined;
    channel = undefined;
    const delay = Math.min(opts.maxDelayMs, 200 * 2 ** attempt++);
    opts.log.warn({ reason, delayMs: delay }, 'reconnecting to rabbitmq');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, delay);
  };

  void connect();

  return {
    isConnected: () => channel !== undefined,
    close: async () => {
      closing = true;
      clearTimeout(reconnectTimer);
      await queue;
      await connection?.close().catch(() => undefined);
    },
  };
}
