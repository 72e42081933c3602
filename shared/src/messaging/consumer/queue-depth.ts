import type { ChannelModel } from 'amqplib';
import { shardQueueOf, type TopologyNames } from '../index.ts';

/**
 * Messages waiting (ready, not yet delivered) in each of the `shardCount` shard queues (those a
 * drain keeps unconsumed included). On a channel of its own: a failed check closes the channel it
 * ran on.
 */
export async function readyInShardQueues(
  connection: ChannelModel,
  names: TopologyNames,
  shardCount: number,
): Promise<Map<number, number>> {
  const channel = await connection.createChannel();
  try {
    const ready = new Map<number, number>();
    for (let shard = 0; shard < shardCount; shard++)
      ready.set(shard, (await channel.checkQueue(shardQueueOf(names, shard))).messageCount);
    return ready;
  } finally {
    await channel.close().catch(() => undefined);
  }
}
