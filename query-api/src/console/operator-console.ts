import { rabbitUrl } from '@shop/shared/config';
import { latestOperations } from '@shop/shared/operations';
import type { Config } from '../config.ts';
import { syncStatus, type PipelineDatabases } from '../lag/sync-status.ts';
import { deadLetterQueue } from './dead-letters.ts';
import { LiveView } from './live-view.ts';
import { readProjectors } from './projectors.ts';
import { queueReader } from './queues.ts';

/** The settings the console reads (a subset of the query API's). */
export type ConsoleSettings = Pick<
  Config,
  | 'RABBITMQ_HOST'
  | 'RABBITMQ_PORT'
  | 'RABBITMQ_USER'
  | 'RABBITMQ_PASSWORD'
  | 'RABBITMQ_VHOST'
  | 'EVENTS_EXCHANGE'
  | 'PROJECTOR_QUEUE'
  | 'PROJECTOR_URLS'
  | 'CONSOLE_ADMIN_TOKEN'
  | 'CONSOLE_REFRESH_MS'
  | 'CONSOLE_MAX_SUBSCRIBERS'
  | 'CONSOLE_DEAD_LETTER_LIMIT'
>;

/**
 * The console's sources: the databases (sync-status, the latest rebuild and reconcile), the
 * broker's queues and dead letters, the projectors' /health.
 */
export function operatorConsole(config: ConsoleSettings, pipeline: PipelineDatabases) {
  const names = { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE };
  const amqpUrl = rabbitUrl(config);
  const queues = queueReader(amqpUrl, names);
  const read = async () => {
    const [status, depths, projectors, operations] = await Promise.all([
      syncStatus(pipeline),
      queues.read(),
      readProjectors(config.PROJECTOR_URLS),
      latestOperations(pipeline.read).catch(() => ({})),
    ]);
    return { status, queues: depths, projectors, operations };
  };
  const live = new LiveView(read, {
    refreshMs: config.CONSOLE_REFRESH_MS,
    windowMs: 10 * 60_000,
    readOnly: config.CONSOLE_ADMIN_TOKEN === undefined,
    maxSubscribers: config.CONSOLE_MAX_SUBSCRIBERS,
  });
  const deadLetters = deadLetterQueue(amqpUrl, names, config.CONSOLE_DEAD_LETTER_LIMIT);
  return { live, queues, deadLetters, adminToken: config.CONSOLE_ADMIN_TOKEN, read: pipeline.read };
}
