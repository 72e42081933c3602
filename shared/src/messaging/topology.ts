import type { Channel } from 'amqplib';

export interface TopologyNames {
  /** Topic exchange Debezium Server publishes every record to (routing key = Debezium topic name). */
  exchange: string;
  /** Prefix of the projector's shard queues (`<queue>.0`, `<queue>.1` …) and its dead-letter queue. */
  queue: string;
  /**
   * The dead-letter exchange (a fanout to the dead-letter queue); by default `<exchange>.dlx`, the
   * projector's. A second consumer of the events (the notifier) names one of its own, or its dead
   * letters would land in the projector's queue too.
   */
  deadLetterExchange?: string;
}

/**
 * Outbox events are routed `outbox.event.<aggregatetype>.<shard>`; the shard is a stable hash of
 * the aggregate computed by the outbox's trigger by the count in force at the event's position
 * (the write side's outbox_routing, read through @shop/shared/outbox: the one source of the count).
 * Heartbeats and other records match no binding and are dropped. The count never exceeds this.
 */
export const MAX_SHARD_COUNT = 256;

export const shardQueueOf = (names: TopologyNames, shard: number) => `${names.queue}.${shard}`;
export const shardBindingKey = (shard: number) => `outbox.event.*.${shard}`;
/** The shard of an `outbox.event.<type>.<shard>` routing key; undefined for any other key. */
export function shardOfRoutingKey(routingKey: string): number | undefined {
  const match = /^outbox\.event\.[^.]+\.(\d+)$/.exec(routingKey);
  const shard = match ? Number(match[1]) : NaN;
  return Number.isInteger(shard) && shard < MAX_SHARD_COUNT ? shard : undefined;
}
export const deadLetterExchangeOf = (names: TopologyNames) => names.deadLetterExchange ?? `${names.exchange}.dlx`;
export const deadLetterQueueOf = (names: TopologyNames) => `${names.queue}.dlq`;

/** Deliveries of one message before RabbitMQ itself dead-letters it (a consumer that crashes on it every time). */
export const DELIVERY_LIMIT = 10;

/**
 * Declares the exchange, one quorum queue per shard of `shardCount` (single active consumer, so
 * one consumer at a time applies a shard's events, in order, however many projectors run) and the
 * dead-letter path. Idempotent; run before Debezium Server starts (its sink never declares the
 * exchange), by every consumer, and by `npm run shards` before the routing grows (a message routed
 * to a shard with no queue would be dropped).
 */
export async function declareTopology(channel: Channel, names: TopologyNames, shardCount: number): Promise<void> {
  const dlx = deadLetterExchangeOf(names);
  await channel.assertExchange(names.exchange, 'topic', { durable: true });
  await channel.assertExchange(dlx, 'fanout', { durable: true });
  await channel.assertQueue(deadLetterQueueOf(names), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(deadLetterQueueOf(names), dlx, '');
  for (let shard = 0; shard < shardCount; shard++) {
    const queue = shardQueueOf(names, shard);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-single-active-consumer': true,
        'x-delivery-limit': DELIVERY_LIMIT,
        'x-dead-letter-exchange': dlx,
      },
    });
    await channel.bindQueue(queue, names.exchange, shardBindingKey(shard));
  }
}

/**
 * Removes everything declareTopology declares, messages included, whatever count it was declared
 * with (deleting a queue that is not there is no error).
 */
export async function deleteTopology(channel: Channel, names: TopologyNames): Promise<void> {
  for (let shard = 0; shard < MAX_SHARD_COUNT; shard++) await channel.deleteQueue(shardQueueOf(names, shard));
  await channel.deleteQueue(deadLetterQueueOf(names));
  await channel.deleteExchange(names.exchange);
  await channel.deleteExchange(deadLetterExchangeOf(names));
}

/** The notifier's shard queues, `<NOTIFIER_QUEUE>.<shard>`, with a dead-letter exchange and queue of their own. */
export const notifierTopologyNames = (exchange: string, notifierQueue: string): TopologyNames => ({
  exchange,
  queue: notifierQueue,
  deadLetterExchange: `${notifierQueue}.dlx`,
});

/** Removes the notifier's queues and dead-letter path, not the events exchange (deleteTopology removes that). */
export async function deleteNotifierTopology(channel: Channel, names: TopologyNames): Promise<void> {
  for (let shard = 0; shard < MAX_SHARD_COUNT; shard++) await channel.deleteQueue(shardQueueOf(names, shard));
  await channel.deleteQueue(deadLetterQueueOf(names));
  await channel.deleteExchange(deadLetterExchangeOf(names));
}
