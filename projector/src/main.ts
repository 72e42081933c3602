import { fileURLToPath } from 'node:url';
import { postgresUrl, rabbitUrl, serverTimeouts } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { LIVE_SCHEMA, noteDeadLetter } from '@shop/shared/read-side';
import { ALL_SHARDS } from '@shop/shared/messaging';
import { highWaterMarkTracker } from '@shop/shared/outbox';
import { exitOnStartupError, onShutdownSignal } from '@shop/shared/lifecycle';
import { createLogger } from '@shop/shared/log';
import { startTracing } from '@shop/shared/telemetry';
import { loadConfig } from './config.ts';
import { createBatchHandler } from './handle-batch.ts';
import { createHealthServer } from './http/health-server.ts';
import { createProjectorMetrics } from './http/metrics.ts';
import { startConsumer, type Consumer } from './messaging/consumer.ts';
import { stalledMs } from './messaging/shard-health.ts';
import { startOperationsRunner } from './operations/operations-runner.ts';
import { startAuditLoop } from './reconcile/audit-loop.ts';
import { inboxMarkTracker } from '@shop/shared/read-side';
import { publishedMarkTracker } from './reconcile/published-mark.ts';
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
    const databaseUrl = postgresUrl(config, config.READ_DB_NAME);
    await migrate(databaseUrl, migrationsDir, log);

    const tracing = startTracing('projector', config);
    const pool = createPool(databaseUrl, config.DB_POOL_MAX, 'projector', LIVE_SCHEMA);
    // The reconciler's audits and an operator's rebuild read the outbox through this pool.
    const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 3, 'projector-reconciler');
    // Messages are checked against the write side on a pool of their own: a live batch never
    // waits for a connection behind an audit window or a retention round.
    const screeningPool = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'projector-screening');
    // The reconciler and the metrics ask the consumer, which is started last.
    const late: { consumer?: Consumer } = {};
    const reconciler = createReconciler({
      write,
      read: pool,
      settings: reconcilerSettings(config),
      highWaterMark: publishedMarkTracker(write, config.DEBEZIUM_SLOT, highWaterMarkTracker(write).poll),
      shardsInFlight: async () => (late.consumer ? late.consumer.shardsInFlight() : new Set(ALL_SHARDS)),
      inboxMark: inboxMarkTracker(pool).poll,
      log,
    });
    const audit = startAuditLoop(reconciler, { intervalMs: config.RECONCILE_INTERVAL_MS, heal: config.RECONCILE_HEAL, log });
    const operations = startOperationsRunner({
      read: pool,
      write,
      reconcileNow: () => audit.auditNow(),
      pollMs: config.OPERATIONS_POLL_MS,
      log,
    });
    // The metrics ask the consumer for the dead-letter depth and its shards; the consumer reports into the metrics.
    const metrics = createProjectorMetrics({
      audit: () => audit.lastReport(),
      deadLetterDepth: async () => late.consumer?.deadLetterDepth(),
      brokerConnected: () => late.consumer?.isConnected(),
      shardStalledSeconds: () =>
        new Map([...(late.consumer?.shards() ?? [])].map(([shard, status]) => [shard, stalledMs(status, Date.now()) / 1000])),
    });
    const retention = startRetentionLoop({ write, read: pool }, retentionPolicy(config.OUTBOX_RETENTION), {
      everyMs: config.RETENTION_INTERVAL_MS,
      log,
      report: (outcome) => metrics.recordRetention(outcome),
    });
    const consumer: Consumer = startConsumer({
      url: rabbitUrl(config),
      names: { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE },
      shards: config.PROJECTOR_SHARDS,
      prefetch: config.PROJECTOR_PREFETCH,
      batchSize: config.PROJECTOR_BATCH_SIZE,
      maxDelayMs: config.RECONNECT_MAX_DELAY_MS,
      log,
      handleBatch: createBatchHandler({
        pool,
        log,
        metrics,
        maxAttempts: config.PROJECTOR_MAX_ATTEMPTS,
        tracing,
        maxGroupEvents: config.PROJECTOR_BATCH_SIZE,
        screening: {
          maxClockSkewMs: config.PROJECTOR_MAX_CLOCK_SKEW_MS,
          mark: outboxMark(outboxPositionReader(screeningPool)),
          checkCopies: outboxCopyCheck(screeningPool),
        },
      }),
      onDeadLetter: (msg, reason) => noteDeadLetter(pool, msg.properties.headers ?? {}, reason),
      report: (event) => {
        metrics.recordSettlement(event);
        if (event === 'parked') metrics.recordDeadLetter();
      },
    });
    late.consumer = consumer;
    const timeouts = serverTimeouts(config);
    const health = createHealthServer(
      { pool, consumer, metrics, shards: config.PROJECTOR_SHARDS, auditProblems: () => audit.problems() },
      timeouts,
    ).listen(config.PROJECTOR_PORT);
    log.info({ port: config.PROJECTOR_PORT, timeouts }, 'projector health endpoint listening');

    onShutdownSignal(log, async () => {
      health.close();
      await operations.stop();
      await audit.stop();
      await retention.stop();
      await consumer.close();
      await Promise.all([pool.end(), write.end(), screeningPool.end()]);
      await tracing.shutdown();
    });
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

await main();
