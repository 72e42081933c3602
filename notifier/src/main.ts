import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { postgresUrl, rabbitUrls, serverTimeouts } from '@shop/shared/config';
import { routingAtStart, shardsToConsume, startConsumer, startRoutingWatch, type Consumer } from '@shop/shared/consumer';
import { createPool, migrate } from '@shop/shared/db';
import { serveUntilSignal } from '@shop/shared/http';
import { exitOnStartupError } from '@shop/shared/lifecycle';
import { createLogger, type Logger } from '@shop/shared/log';
import { notifierTopologyNames } from '@shop/shared/messaging';
import { highWaterMarkTracker, publishedMarkTracker, routedShardCount, type ShardRouting } from '@shop/shared/outbox';
import { startNotifierAudit, type NotifierAuditLoop } from './audit/audit-loop.ts';
import { loadConfig, webhookOf, type Config } from './config.ts';
import { createBatchHandler, type HandlerDeps } from './consuming/handle-batch.ts';
import { isPaused, receiverHealth } from './delivery/receiver-health.ts';
import { createApp } from './http/app.ts';
import { createNotifierMetrics } from './http/metrics.ts';
import { notifierBaseline } from './inbox/baseline.ts';

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));
const SCHEMA = 'notifier';

async function main() {
  const bootLog = createLogger('notifier', 'info');
  try {
    const config = loadConfig();
    const log = createLogger('notifier', config.LOG_LEVEL);
    const readUrl = postgresUrl(config, config.READ_DB_NAME);
    await migrate(readUrl, migrationsDir, log, { schema: SCHEMA });
    const pool = createPool(readUrl, config.DB_POOL_MAX, 'notifier', SCHEMA);
    // The shard routing (outbox_routing) is the write side's: read at start and watched.
    const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'notifier-routing');
    const webhook = webhookOf(config);
    const metrics = createNotifierMetrics();
    let receiver = receiverHealth(config.NOTIFIER_PAUSE_AFTER_PARKED);
    const stopping = new AbortController();
    const routing = await routingAtStart(write, log);
    const baseline = await notifierBaseline(pool, write);
    const consumer = startConsuming(config, routing, {
      pool,
      reader: { shopCurrency: config.SHOP_CURRENCY },
      webhook,
      maxAttempts: config.NOTIFIER_MAX_ATTEMPTS,
      backoff: { baseMs: config.NOTIFIER_RETRY_BASE_MS, maxMs: config.NOTIFIER_RETRY_MAX_MS },
      timeoutMs: config.NOTIFIER_TIMEOUT_MS,
      receiver: { get: () => receiver, set: (state) => (receiver = state) },
      signal: stopping.signal,
      metrics,
      log,
    });
    const watch = startRoutingWatch({ write, consumer, setting: 'all', everyMs: config.ROUTING_POLL_MS, log });
    const audit = startAuditing(config, { pool, write, consumer, baseline }, log);
    // The webhook's URL is said, its secret never (nor any password).
    log.info(
      { mode: webhook ? 'webhook' : 'table', url: webhook?.url, maxAttempts: config.NOTIFIER_MAX_ATTEMPTS, baseline },
      'notifier starting',
    );
    const status = () => ({
      mode: webhook ? 'webhook' : 'table',
      rabbitmq: consumer.isConnected(),
      broker: consumer.broker(),
      receiverPaused: isPaused(receiver),
      audit: { missing: audit.lastReport()?.missing ?? null, problems: audit.problems() },
      shards: Object.fromEntries([...consumer.shards()].map(([shard, s]) => [shard, { state: s.state, unsettled: s.unsettled }])),
    });
    const release = async () => {
      stopping.abort();
      await audit.stop();
      await watch.stop();
      await consumer.close();
      await Promise.all([pool.end(), write.end()]);
    };
    await serveUntilSignal(createApp({ pool, metrics, log, status }), config.NOTIFIER_PORT, log, release, serverTimeouts(config));
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

/** The audit of the outbox log against the inbox (notifier/README.md, "Lag and missing events"). */
function startAuditing(
  config: Config,
  deps: { pool: pg.Pool; write: pg.Pool; consumer: Consumer; baseline: number },
  log: Logger,
): NotifierAuditLoop {
  const { pool, write, consumer, baseline } = deps;
  return startNotifierAudit(
    {
      write,
      read: pool,
      graceMs: config.NOTIFIER_AUDIT_GRACE_MS,
      baseline,
      highWaterMark: publishedMarkTracker(write, config.DEBEZIUM_SLOT, highWaterMarkTracker(write).poll),
      shards: () => consumer.assignedShards(),
      shardsInFlight: () => consumer.shardsInFlight(),
      log,
    },
    { intervalMs: config.NOTIFIER_AUDIT_INTERVAL_MS, log },
  );
}

/** The notifier's own shard queues, each with a single active consumer, handled by the batch handler. */
function startConsuming(config: Config, routing: ShardRouting, handler: HandlerDeps): Consumer {
  return startConsumer({
    urls: rabbitUrls(config),
    connectionName: 'notifier',
    names: notifierTopologyNames(config.EVENTS_EXCHANGE, config.NOTIFIER_QUEUE),
    shards: shardsToConsume('all', routing),
    routedShardCount: routedShardCount(routing),
    prefetch: config.NOTIFIER_PREFETCH,
    batchSize: config.NOTIFIER_BATCH_SIZE,
    maxDelayMs: config.RECONNECT_MAX_DELAY_MS,
    log: handler.log,
    handleBatch: createBatchHandler(handler),
    // Only a message that is no event at all is dead-lettered (to the notifier's own DLQ).
    onDeadLetter: async (msg, reason) =>
      handler.log.warn({ routingKey: msg.fields.routingKey, reason }, 'not an event: dead-lettered'),
  });
}

await main();
