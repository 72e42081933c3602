import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { postgresUrl, rabbitUrls, serverTimeouts } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { LIVE_SCHEMA, noteDeadLetter } from '@shop/shared/read-side';
import { MAX_SHARD_COUNT } from '@shop/shared/messaging';
import { highWaterMarkTracker, routedShardCount, shardRange, type ShardRouting } from '@shop/shared/outbox';
import { exitOnStartupError, onShutdownSignal } from '@shop/shared/lifecycle';
import { createLogger, type Logger } from '@shop/shared/log';
import { startTracing, type Tracing } from '@shop/shared/telemetry';
import { loadConfig, type Config } from './config.ts';
import { createBatchHandler } from './handle-batch.ts';
import { createHealthServer, type HealthSources } from './http/health-server.ts';
import { createProjectorMetrics, type ProjectorMetrics } from './http/metrics.ts';
import {
  routingAtStart,
  shardsToConsume,
  stalledMs,
  startConsumer,
  startRoutingWatch,
  type Consumer,
} from '@shop/shared/consumer';
import { startOperationsRunner } from './operations/operations-runner.ts';
import { startAuditLoop, type AuditLoop } from './reconcile/audit-loop.ts';
import { inboxMarkTracker } from '@shop/shared/read-side';
import { publishedMarkTracker } from '@shop/shared/outbox';
import { createReconciler } from './reconcile/reconciler.ts';
import { reconcilerSettings } from './reconcile/settings.ts';
import { retentionPolicy } from './retention/policy.ts';
import { startRetentionLoop } from './retention/retention-round.ts';
import { outboxCopyCheck } from './screening/copy-check.ts';
import { outboxMark } from './screening/outbox-mark.ts';
import { outboxPositionReader } from './screening/outbox-log.ts';

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

async function main() {
  const bootLog = createLogger('projector', 'info');
  try {
    const config = loadConfig();
    const log = createLogger('projector', config.LOG_LEVEL);
    await migrate(postgresUrl(config, config.READ_DB_NAME), migrationsDir, log);
    const tracing = startTracing('projector', config);
    const pools = openPools(config);
    // The reconciler and the metrics ask the consumer, which is started last.
    const late: Late = {};
    const { audit, operations } = startAuditing(config, pools, late, log);
    const metrics = createMetrics(audit, late);
    const retention = startRetentionLoop(pools, retentionPolicy(config.OUTBOX_RETENTION), {
      everyMs: config.RETENTION_INTERVAL_MS,
      log,
      report: (outcome) => metrics.recordRetention(outcome),
    });
    const routing = await routingAtStart(pools.write, log);
    const consumer = startConsuming(config, pools, routing, { metrics, tracing, log });
    late.consumer = consumer;
    late.shardCount = routedShardCount(routing);
    const watch = startRoutingWatch({
      write: pools.write,
      consumer,
      setting: config.PROJECTOR_SHARDS,
      everyMs: config.ROUTING_POLL_MS,
      log,
    });
    const health = startHealthServer(config, { pool: pools.read, consumer, metrics, auditProblems: () => audit.problems() }, log);

    onShutdownSignal(log, async () => {
      health.close();
      await watch.stop();
      await operations.stop();
      await audit.stop();
      await retention.stop();
      await consumer.close();
      await Promise.all([pools.read.end(), pools.write.end(), pools.screening.end()]);
      await tracing.shutdown();
    });
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

/** What is known only once the consumer started: the consumer, and the shard count it started with. */
interface Late {
  consumer?: Consumer;
  shardCount?: number;
}

interface Pools {
  read: pg.Pool;
  /** The reconciler's audits and an operator's rebuild read the outbox through this pool. */
  write: pg.Pool;
  /**
   * Messages are checked against the write side on a pool of their own: a live batch never
   * waits for a connection behind an audit window or a retention round.
   */
  screening: pg.Pool;
}

function openPools(config: Config): Pools {
  return {
    read: createPool(postgresUrl(config, config.READ_DB_NAME), config.DB_POOL_MAX, 'projector', LIVE_SCHEMA),
    write: createPool(postgresUrl(config, config.WRITE_DB_NAME), 3, 'projector-reconciler'),
    screening: createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'projector-screening'),
  };
}

/** The reconciler's audit loop, and the operations runner whose reconcile button asks it for an audit now. */
function startAuditing(config: Config, pools: Pools, late: Late, log: Logger) {
  const { read, write } = pools;
  const reconciler = createReconciler({
    write,
    read,
    settings: reconcilerSettings(config),
    highWaterMark: publishedMarkTracker(write, config.DEBEZIUM_SLOT, highWaterMarkTracker(write).poll),
    // Before the consumer runs, every shard may have events on their way.
    shardsInFlight: async () =>
      late.consumer ? late.consumer.shardsInFlight() : new Set(shardRange(late.shardCount ?? MAX_SHARD_COUNT)),
    inboxMark: inboxMarkTracker(read).poll,
    log,
  });
  const audit = startAuditLoop(reconciler, { intervalMs: config.RECONCILE_INTERVAL_MS, heal: config.RECONCILE_HEAL, log });
  const operations = startOperationsRunner({
    read,
    write,
    reconcileNow: () => audit.auditNow(),
    reader: { shopCurrency: config.SHOP_CURRENCY },
    pollMs: config.OPERATIONS_POLL_MS,
    log,
  });
  return { audit, operations };
}

/** The metrics ask the consumer for the dead-letter depth and its shards; the consumer reports into the metrics. */
function createMetrics(audit: AuditLoop, late: Late): ProjectorMetrics {
  return createProjectorMetrics({
    audit: () => audit.lastReport(),
    deadLetterDepth: async () => late.consumer?.deadLetterDepth(),
    brokerConnected: () => late.consumer?.isConnected(),
    shardStalledSeconds: () =>
      new Map([...(late.consumer?.shards() ?? [])].map(([shard, status]) => [shard, stalledMs(status, Date.now()) / 1000])),
  });
}

function startConsuming(
  config: Config,
  pools: Pools,
  routing: ShardRouting,
  deps: { metrics: ProjectorMetrics; tracing: Tracing; log: Logger },
): Consumer {
  const { metrics, tracing, log } = deps;
  return startConsumer({
    urls: rabbitUrls(config),
    connectionName: 'projector',
    names: { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE },
    shards: shardsToConsume(config.PROJECTOR_SHARDS, routing),
    routedShardCount: routedShardCount(routing),
    prefetch: config.PROJECTOR_PREFETCH,
    batchSize: config.PROJECTOR_BATCH_SIZE,
    maxDelayMs: config.RECONNECT_MAX_DELAY_MS,
    log,
    handleBatch: createBatchHandler({
      pool: pools.read,
      log,
      metrics,
      maxAttempts: config.PROJECTOR_MAX_ATTEMPTS,
      tracing,
      maxGroupEvents: config.PROJECTOR_BATCH_SIZE,
      screening: {
        maxClockSkewMs: config.PROJECTOR_MAX_CLOCK_SKEW_MS,
        mark: outboxMark(outboxPositionReader(pools.screening)),
        checkCopies: outboxCopyCheck(pools.screening, { shopCurrency: config.SHOP_CURRENCY }),
      },
      reader: { shopCurrency: config.SHOP_CURRENCY },
    }),
    onDeadLetter: (msg, reason) => noteDeadLetter(pools.read, msg.properties.headers ?? {}, reason),
    report: (event) => {
      metrics.recordSettlement(event);
      if (event === 'parked') metrics.recordDeadLetter();
    },
  });
}

function startHealthServer(config: Config, sources: HealthSources, log: Logger): Server {
  const timeouts = serverTimeouts(config);
  const health = createHealthServer(sources, timeouts).listen(config.PROJECTOR_PORT);
  log.info({ port: config.PROJECTOR_PORT, timeouts }, 'projector health endpoint listening');
  return health;
}

await main();
