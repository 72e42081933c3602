import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { postgresUrl, serverTimeouts } from '@shop/shared/config';
import { pipelineSource } from '@shop/shared/consistency';
import { createPool, MigrationsPendingError, pendingMigrations } from '@shop/shared/db';
import { serveUntilSignal } from '@shop/shared/http';
import { exitOnStartupError } from '@shop/shared/lifecycle';
import { createLogger } from '@shop/shared/log';
import { createOutboxPartitions } from '@shop/shared/outbox';
import { startTracing } from '@shop/shared/telemetry';
import { createApp } from './app.ts';
import { startKeyExpiry } from './idempotency/key-expiry.ts';
import { loadConfig } from './config.ts';
import { startPartitionUpkeep } from './outbox/partition-upkeep.ts';

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

async function main() {
  const bootLog = createLogger('command-api', 'info');
  try {
    const config = loadConfig();
    const log = createLogger('command-api', config.LOG_LEVEL);
    const databaseUrl = postgresUrl(config, config.WRITE_DB_NAME);
    const pool = createPool(databaseUrl, config.DB_POOL_MAX, 'command-api');
    await checkMigrated(pool, config.WRITE_DB_NAME);

    const tracing = startTracing('command-api', config);
    const source = await pipelineSource(pool);
    // Before the first write: partitions for the writes.
    const partitions = { stepSeconds: config.OUTBOX_PARTITION_INTERVAL, ahead: config.OUTBOX_PARTITIONS_AHEAD };
    await createOutboxPartitions(pool, partitions);
    const upkeep = startPartitionUpkeep(pool, partitions, log);
    const keyTtlHours = config.IDEMPOTENCY_KEY_TTL_HOURS;
    const app = createApp({
      pool,
      source,
      keyTtlHours,
      log,
      bodyLimit: config.BODY_LIMIT,
      shopCurrency: config.SHOP_CURRENCY,
      tracing,
    });
    const expiry = startKeyExpiry(pool, { ttlHours: keyTtlHours, everyMs: 60 * 60_000, log });
    const release = async () => {
      await expiry.stop();
      await upkeep.stop();
      await pool.end();
      await tracing.shutdown();
    };
    await serveUntilSignal(app, config.COMMAND_API_PORT, log, release, serverTimeouts(config));
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

/** The command API may not run DDL: its owner migrates the write side first (src/migrate.ts). */
async function checkMigrated(pool: pg.Pool, database: string) {
  const pending = await pendingMigrations(pool, migrationsDir);
  if (pending.length === 0) return;
  await pool.end();
  throw new MigrationsPendingError(
    database,
    pending,
    'npm start runs them; docker compose its migrate service; by hand: PG_USER=shop_owner PG_PASSWORD=… node --import tsx command-api/src/migrate.ts',
  );
}

await main();
