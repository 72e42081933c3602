import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import { shardQueueOf } from '@shop/shared/messaging';
import type { StackConfig } from '../../infra/src/stack-config.ts';

/** Messages ready in the stack's shard queues (none once every delivery is settled and nothing waits). */
export async function readyInShardQueues(stack: StackConfig): Promise<number> {
  const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const channel = await connection.createChannel();
    let ready = 0;
    for (let shard = 0; shard < 8; shard++) ready += (await channel.checkQueue(shardQueueOf(names, shard))).messageCount;
    return ready;
  } finally {
    await connection.close();
  }
}
