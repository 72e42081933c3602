import { fileURLToPath } from 'node:url';
import { parseEnv, postgresUrl } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { exitOnStartupError } from '@shop/shared/lifecycle';
import { createLogger } from '@shop/shared/log';
import { writeSetupSettings } from './config.ts';
import { ensureDebeziumOffsetTable, ensureOutboxPublication } from './outbox/publication.ts';

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * The write side's set-up, run as its owner (shop_owner) before the command API and Debezium
 * start: `npm start` runs it, docker compose's `migrate` service too. The command API itself may
 * not run DDL; it checks at start that this ran.
 */
async function main() {
  const bootLog = createLogger('migrate-write', 'info');
  try {
    const config = parseEnv(writeSetupSettings, process.env);
    const log = createLogger('migrate-write', config.LOG_LEVEL);
    const url = postgresUrl(config, config.WRITE_DB_NAME);
    await migrate(url, migrationsDir, log);
    const pool = createPool(url, 1, 'migrate-write');
    try {
      // Before Debezium first starts: the publication it reads (it may not create one) and its offsets table.
      await ensureOutboxPublication(pool, config.DEBEZIUM_PUBLICATION, config.DEBEZIUM_SIGNAL_TABLE);
      await ensureDebeziumOffsetTable(pool, config.DEBEZIUM_OFFSET_TABLE);
    } finally {
      await pool.end();
    }
    log.info({ database: config.WRITE_DB_NAME }, 'write side migrated');
  } catch (err) {
    exitOnStartupError(bootLog, err);
  }
}

await main();
