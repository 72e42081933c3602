import type amqp from 'amqplib';
import pg from 'pg';
import { rabbitUrls } from '@shop/shared/config';
import {
  connectFirstReachable,
  declareTopology,
  deleteNotifierTopology,
  deleteTopology,
  notifierTopologyNames,
} from '@shop/shared/messaging';
import { readShardRouting, routedShardCount } from '@shop/shared/outbox';
import type { StackConfig } from '../stack-config.ts';
import { pgConnection } from './postgres-cluster.ts';

const names = (config: StackConfig) => ({ exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE });
const notifierNames = (config: StackConfig) => notifierTopologyNames(config.EVENTS_EXCHANGE, config.NOTIFIER_QUEUE);

/** As the broker's admin, on the first node of `urls` that answers (every node of the stack's by default). */
async function withChannel<T>(
  config: StackConfig,
  fn: (channel: amqp.Channel) => Promise<T>,
  urls: string[] = rabbitUrls(config),
): Promise<T> {
  const connection = await connectFirstReachable(urls, { connectionName: 'stack', timeoutMs: 5_000 });
  try {
    return await fn(await connection.createChannel());
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function answers(config: StackConfig, urls?: string[]): Promise<boolean> {
  try {
    await withChannel(config, async () => undefined, urls);
    return true;
  } catch {
    return false;
  }
}

/** True when the broker answers: any node of it, with a cluster. */
export const isRabbitReachable = (config: StackConfig) => answers(config);

/** True when the stack's node on `amqpPort` answers. */
export const isRabbitNodeReachable = (config: StackConfig, amqpPort: number) =>
  answers(config, rabbitUrls({ ...config, RABBITMQ_ADDRESSES: `${config.RABBITMQ_HOST}:${amqpPort}` }));

/** How many shards the stack's outbox routes to (its write side's outbox_routing, migrated before). */
export async function stackShardCount(config: StackConfig): Promise<number> {
  const client = new pg.Client(pgConnection(config, config.WRITE_DB_NAME));
  await client.connect();
  try {
    return routedShardCount(await readShardRouting(client));
  } finally {
    await client.end();
  }
}

/**
 * The exchange must exist before Debezium Server publishes (its RabbitMQ sink never declares it),
 * and a queue for every shard the outbox routes to: the projector's and the notifier's, so
 * neither misses an event published before it first connected.
 */
export async function declareStackTopology(config: StackConfig, shardCount?: number): Promise<void> {
  const count = shardCount ?? (await stackShardCount(config));
  await withChannel(config, async (ch) => {
    await declareTopology(ch, names(config), count);
    await declareTopology(ch, notifierNames(config), count);
  });
}

/** Removes the stack's exchanges and queues (messages included): the test stack starts from nothing. */
export const deleteStackTopology = (config: StackConfig) =>
  withChannel(config, async (ch) => {
    await deleteNotifierTopology(ch, notifierNames(config));
    await deleteTopology(ch, names(config));
  });
