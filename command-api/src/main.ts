import { fileURLToPath } from 'node:url';
import { postgresUrl } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { closeServer, listen } from '@shop/shared/http';
import { exitOnStartupError, onShutdownSignal } from '@shop/shared/lifecycle';
import { createLogger } from '@shop/shared/log';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

async function main() {
  const bootLog = createLogger('command-api', process.env.LOG_LEVEL ?? 'info');
  try {
    const config = loadConfig();
    const log = createLogger('command-api', config.LOG_LEVEL);
    const databaseUrl = postgresUrl(config, config.WRITE_DB_NAME);
    const applied = await migrate(databaseUrl, migrationsDir);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');

    const pool = createPool(databaseUrl, config.DB_POOL_MAX, 'command-api');
    const app = createApp({ pool, log, bodyLimit: config.BODY_LIMIT });
    const { server, port } = await listen(app, config.COMMAND_API_PORT);
    log.info({ port }, 'command-api listening');

    onShutdownSignal(log, async () => {
      await closeServer(server);
      await pool.end();
    });
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

await main();
