import type pg from 'pg';
import { rabbitUrls } from '@shop/shared/config';
import { notifierTopologyNames } from '@shop/shared/messaging';
import { latestOperations } from '@shop/shared/operations';
import { readShardRouting, routedShardCount } from '@shop/shared/outbox';
import type { Config } from '../config.ts';
import type { SyncStatus } from '../lag/schemas.ts';
import { deadLetterQueue } from './dead-letters.ts';
import { LiveView } from './live-view.ts';
import { readProjectors } from './projectors.ts';
import { queueReader } from './queues.ts';

/** The settings the console reads (a subset of the query API's). */
export type ConsoleSettings = Pick<
  Config,
  | 'RABBITMQ_HOST'
  | 'RABBITMQ_ADDRESSES'
  | 'RABBITMQ_PORT'
  | 'RABBITMQ_USER'
  | 'RABBITMQ_PASSWORD'
  | 'RABBITMQ_VHOST'
  | 'EVENTS_EXCHANGE'
  | 'PROJECTOR_QUEUE'
  | 'NOTIFIER_QUEUE'
  | 'PROJECTOR_URLS'
  | 'CONSOLE_ADMIN_TOKEN'
  | 'CONSOLE_REFRESH_MS'
  | 'CONSOLE_MAX_SUBSCRIBERS'
  | 'CONSOLE_DEAD_LETTER_LIMIT'
>;

/** What the console reads besides the broker and the projectors. */
export interface ConsoleSources {
  /** The read database: the latest rebuild and reconcile, and where the console requests them. */
  read: pg.Pool;
  /** Where the pipeline stands (the lag inspector's syncStatus). */
  status: () => Promise<SyncStatus>;
  /** The write database: how many shards the outbox routes to (its outbox_routing). */
  write: pg.Pool;
}

/**
 * The console's sources: the pipeline's status, the latest rebuild and reconcile, the broker's
 * queues and dead letters, the projectors' /health.
 */
export function operatorConsole(config: ConsoleSettings, sources: ConsoleSources) {
  const names = { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE };
  const amqpUrls = rabbitUrls(config);
  const shardCount = async () => routedShardCount(await readShardRouting(sources.write));
  const queues = queueReader(amqpUrls, names, shardCount);
  // The notifier's own shard queues and dead letters, beside the projector's (one more connection).
  const notifierQueues = queueReader(amqpUrls, notifierTopologyNames(config.EVENTS_EXCHANGE, config.NOTIFIER_QUEUE), shardCount);
  const read = async () => {
    const [status, depths, notifierDepths, projectors, operations] = await Promise.all([
      sources.status(),
      queues.read(),
      notifierQueues.read(),
      readProjectors(config.PROJECTOR_URLS),
      latestOperations(sources.read).catch(() => ({})),
    ]);
    return { status, queues: depths, notifierQueues: notifierDepths, projectors, operations };
  };
  const live = new LiveView(read, {
    refreshMs: config.CONSOLE_REFRESH_MS,
    windowMs: 10 * 60_000,
    readOnly: config.CONSOLE_ADMIN_TOKEN === undefined,
    maxSubscribers: config.CONSOLE_MAX_SUBSCRIBERS,
  });
  const deadLetters = deadLetterQueue(amqpUrls, names, config.CONSOLE_DEAD_LETTER_LIMIT);
  const closeQueues = async () => {
    await Promise.all([queues.close(), notifierQueues.close()]);
  };
  return {
    live,
    queues: { read: queues.read, close: closeQueues },
    deadLetters,
    adminToken: config.CONSOLE_ADMIN_TOKEN,
    read: sources.read,
  };
}
