import type { Channel } from 'amqplib';

export interface TopologyNames {
  /** Topic exchange Debezium Server publishes every record to (routing key = Debezium topic name). */
  exchange: string;
  /** The projector's work queue. */
  queue: string;
}

/** Outbox events are routed to topics `outbox.event.<aggregatetype>`; heartbeats and other records go unrouted. */
export const OUTBOX_BINDING_KEY = 'outbox.event.#';

/** Deliveries of one message before RabbitMQ dead-letters it (quorum queue delivery limit). */
export const DELIVERY_LIMIT = 5;

export const deadLetterExchangeOf = (names: TopologyNames) => `${names.exchange}.dlx`;
export const deadLetterQueueOf = (names: TopologyNames) => `${names.queue}.dlq`;

/**
 * Declares the exchange, the projector queue and its dead-letter path. Idempotent; run before
 * Debezium Server starts (its sink never declares the exchange) and again by every consumer.
 */
export async function declareTopology(channel: Channel, names: TopologyNames): Promise<void> {
  const dlx = deadLetterExchangeOf(names);
  await channel.assertExchange(names.exchange, 'topic', { durable: true });
  await channel.assertExchange(dlx, 'fanout', { durable: true });
  await channel.assertQueue(deadLetterQueueOf(names), { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(deadLetterQueueOf(names), dlx, '');
  await channel.assertQueue(names.queue, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': DELIVERY_LIMIT, 'x-dead-letter-exchange': dlx },
  });
  await channel.bindQueue(names.queue, names.exchange, OUTBOX_BINDING_KEY);
}
