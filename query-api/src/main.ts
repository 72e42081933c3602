import { postgresUrl, serverTimeouts } from '@shop/shared/config';
import { lazyPipelineSource } from '@shop/shared/consistency';
import { createPool } from '@shop/shared/db';
import { serveUntilSignal } from '@shop/shared/http';
import { exitOnStartupError } from '@shop/shared/lifecycle';
import { createLogger } from '@shop/shared/log';
import { startTracing } from '@shop/shared/telemetry';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { operatorConsole } from './console/operator-console.ts';
import { syncStatus } from './lag/sync-status.ts';
import { AppliedWatch } from './read-api/consistency/applied-watch.ts';

async function main() {
  const bootLog = createLogger('query-api', 'info');
  try {
    const config = loadConfig();
    const log = createLogger('query-api', config.LOG_LEVEL);
    const tracing = startTracing('query-api', config);
    // The read schema belongs to the projector, which migrates it. This service reads it (its role
    // is read-only by default) and records the console's requests for a rebuild or a reconcile.
    const pool = createPool(postgresUrl(config, config.READ_DB_NAME), config.DB_POOL_MAX, 'query-api', 'read');
    const write = createPool(postgresUrl(config, config.WRITE_DB_NAME), 2, 'query-api-lag');
    const lag = { write, read: pool, slot: config.DEBEZIUM_SLOT, offsetTable: config.DEBEZIUM_OFFSET_TABLE };
    const consoleDeps = operatorConsole(config, { read: pool, write, status: () => syncStatus(lag) });
    const watch = new AppliedWatch(pool, postgresUrl(config, config.READ_DB_NAME), log, {
      maxWaiters: config.CONSISTENCY_MAX_WAITERS,
    });
    await watch.start();
    const consistency = { watch, source: lazyPipelineSource(write), maxWaitMs: config.CONSISTENCY_WAIT_MS };
    const release = async () => {
      await watch.stop();
      consoleDeps.live.stop();
      await consoleDeps.queues.close();
      await Promise.all([pool.end(), write.end()]);
      await tracing.shutdown();
    };
    const app = createApp({
      readApi: { read: pool, write, reader: { shopCurrency: config.SHOP_CURRENCY }, consistency },
      lag,
      console: consoleDeps,
      log,
      tracing,
    });
    await serveUntilSignal(app, config.QUERY_API_PORT, log, release, serverTimeouts(config));
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

await main();
