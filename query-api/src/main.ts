import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { closeServer, listen } from '@shop/shared/http';
import { exitOnStartupError, onShutdownSignal } from '@shop/shared/lifecycle';
import { createLogger } from '@shop/shared/log';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

async function main() {
  const bootLog = createLogger('query-api', process.env.LOG_LEVEL ?? 'info');
  try {
    const config = loadConfig();
    const log = createLogger('query-api', config.LOG_LEVEL);
    // The read schema belongs to the projector, which migrates it; this service only reads.
    const pool = createPool(postgresUrl(config, config.READ_DB_NAME), config.DB_POOL_MAX, 'query-api');
    const { server, port } = await listen(createApp({ pool, log }), config.QUERY_API_PORT);
    log.info({ port }, 'query-api listening');

    onShutdownSignal(log, async () => {
      await closeServer(server);
      await pool.end();
    });
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

await main();
