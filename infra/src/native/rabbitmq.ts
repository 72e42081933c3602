import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import { declareTopology, deleteTopology } from '@shop/shared/messaging';
import type { StackConfig } from '../stack-config.ts';

const names = (config: StackConfig) => ({ exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE });

async function withChannel<T>(config: StackConfig, fn: (channel: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(rabbitUrl(config), { timeout: 5_000 });
  try {
    return await fn(await connection.createChannel());
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export async function isRabbitReachable(config: StackConfig): Promise<boolean> {
  try {
    await withChannel(config, async () => undefined);
    return true;
  } catch {
    return false;
  }
}

/** The exchange must exist before Debezium Server publishes: its RabbitMQ sink never declares it. */
export const declareStackTopology = (config: StackConfig) => withChannel(config, (ch) => declareTopology(ch, names(config)));

/** Removes the stack's exchanges and queues (messages included): the test stack starts from nothing. */
export const deleteStackTopology = (config: StackConfig) => withChannel(config, (ch) => deleteTopology(ch, names(config)));
