import type { ChannelModel } from 'amqplib';
import { ALL_SHARDS, shardQueueOf, type TopologyNames } from '@shop/shared/messaging';

/**
 * Messages waiting (ready, not yet delivered) in each shard queue. On a channel of its own: a
 * failed check closes the channel it ran on.
 */
export async function readyInShardQueues(connection: ChannelModel, names: TopologyNames): Promise<Map<number, number>> {
  const channel = await connection.createChannel();
  try {
    const ready = new Map<number, number>();
    for (const shard of ALL_SHARDS) ready.set(shard, (await channel.checkQueue(shardQueueOf(names, shard))).messageCount);
    return ready;
  } finally {
    await channel.close().catch(() => undefined);
  }
}
