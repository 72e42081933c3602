import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import { shardQueueOf } from '@shop/shared/messaging';
import { stackShardCount } from '../../infra/src/native/rabbitmq.ts';
import type { StackConfig } from '../../infra/src/stack-config.ts';

/**
 * On the write database: the shard count new events are routed by (outbox_routing's newest row),
 * for a test that computes an aggregate's shard as the outbox trigger does:
 * `abs(hashtextextended(type || ':' || id, 0)) % ${ROUTED_SHARD_COUNT_SQL}`.
 */
export const ROUTED_SHARD_COUNT_SQL = '(SELECT shard_count FROM outbox_routing ORDER BY since_position DESC LIMIT 1)';

/** Messages ready in the stack's shard queues (none once every delivery is settled and nothing waits). */
export async function readyInShardQueues(stack: StackConfig): Promise<number> {
  const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
  const shardCount = await stackShardCount(stack);
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const channel = await connection.createChannel();
    let ready = 0;
    for (let shard = 0; shard < shardCount; shard++) ready += (await channel.checkQueue(shardQueueOf(names, shard))).messageCount;
    return ready;
  } finally {
    await connection.close();
  }
}
