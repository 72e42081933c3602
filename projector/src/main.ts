import { fileURLToPath } from 'node:url';
import { postgresUrl, rabbitUrl } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { exitOnStartupError, onShutdownSignal } from '@shop/shared/lifecycle';
import { createLogger } from '@shop/shared/log';
import { loadConfig } from './config.ts';
import { createMessageHandler } from './handle-message.ts';
import { createHealthServer } from './http/health-server.ts';
import { startConsumer } from './messaging/consumer.ts';
import { newStats } from './stats.ts';

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

async function main() {
  const bootLog = createLogger('projector', 'info');
  try {
    const config = loadConfig();
    const log = createLogger('projector', config.LOG_LEVEL);
    const databaseUrl = postgresUrl(config, config.READ_DB_NAME);
    await migrate(databaseUrl, migrationsDir, log);

    const pool = createPool(databaseUrl, config.DB_POOL_MAX, 'projector');
    const stats = newStats();
    const consumer = startConsumer({
      url: rabbitUrl(config),
      names: { exchange: config.EVENTS_EXCHANGE, queue: config.PROJECTOR_QUEUE },
      prefetch: config.PROJECTOR_PREFETCH,
      maxDelayMs: config.RECONNECT_MAX_DELAY_MS,
      log,
      handle: createMessageHandler(pool, log, stats),
    });
    const health = createHealthServer(pool, consumer, stats).listen(config.PROJECTOR_PORT);
    log.info({ port: config.PROJECTOR_PORT }, 'projector health endpoint listening');

    onShutdownSignal(log, async () => {
      health.close();
      await consumer.close();
      await pool.end();
    });
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

await main();
