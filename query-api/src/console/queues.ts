import type amqp from 'amqplib';
import { connectFirstReachable, deadLetterQueueOf, shardQueueOf, type TopologyNames } from '@shop/shared/messaging';

export interface QueueDepth {
  queue: string;
  /** Messages ready for delivery (not yet delivered, or returned). */
  ready: number | null;
  consumers: number | null;
}

export interface QueueDepths {
  shards: (QueueDepth & { shard: number })[];
  deadLetters: QueueDepth;
}

/**
 * The shard queues' and the dead-letter queue's depths, by a passive declare of each (what any
 * AMQP client may ask; no management plugin needed): as many shard queues as the outbox routes to
 * (`shardCount`, the write side's routing, asked on each read: a change of the count shows at
 * once, its new queues filling while the old ones drain). Unacked counts come from the projectors,
 * which hold those deliveries. One connection, opened on first use and again after it fails (to
 * the first broker node that answers).
 */
export function queueReader(urls: readonly string[], names: TopologyNames, shardCount: () => Promise<number>) {
  let open: Promise<{ connection: amqp.ChannelModel; channel: amqp.Channel }> | undefined;
  const forget = () => (open = undefined);
  const channel = async () => {
    open ??= (async () => {
      const connection = await connectFirstReachable(urls, { connectionName: 'query-api console' });
      connection.on('error', () => undefined);
      connection.on('close', forget);
      const ch = await connection.createChannel();
      ch.on('error', () => undefined);
      // A channel the broker closed (a queue missing) takes its connection along: the next read opens both.
      ch.on('close', () => {
        forget();
        connection.close().catch(() => undefined);
      });
      return { connection, channel: ch };
    })().catch((err: unknown) => {
      forget();
      throw err;
    });
    return (await open).channel;
  };

  async function depth(queue: string): Promise<QueueDepth> {
    try {
      const { messageCount, consumerCount } = await (await channel()).checkQueue(queue);
      return { queue, ready: messageCount, consumers: consumerCount };
    } catch {
      // A missing queue closes the channel (its close event forgets it); the broker may be away.
      return { queue, ready: null, consumers: null };
    }
  }

  return {
    async read(): Promise<QueueDepths> {
      const shards = [];
      const count = await shardCount();
      for (let shard = 0; shard < count; shard++) shards.push({ shard, ...(await depth(shardQueueOf(names, shard))) });
      return { shards, deadLetters: await depth(deadLetterQueueOf(names)) };
    },
    async close(): Promise<void> {
      const current = await open?.catch(() => undefined);
      await current?.connection.close().catch(() => undefined);
    },
  };
}

export type QueueReader = ReturnType<typeof queueReader>;
