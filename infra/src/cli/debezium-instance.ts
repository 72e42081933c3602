import { parseEnv, postgresUrl } from '@shop/shared/config';
import { exitOnStartupError } from '@shop/shared/lifecycle';
import { createLogger } from '@shop/shared/log';
import { holdLease } from '../native/debezium-holder.ts';
import { debeziumSettings } from '../native/debezium-settings.ts';

/**
 * One Debezium Server instance under the slot's lease (native/debezium-lease.ts), started by the
 * stack (startDebezium) with Debezium's own environment:
 *   tsx infra/src/cli/debezium-instance.ts <instance> <the JVM's folder> -- <java> <args...>
 * It logs in as Debezium's role (the same login the JVM gets), never as a superuser.
 */
const holderSettings = debeziumSettings.pick({
  PG_HOST: true,
  PG_PORT: true,
  PG_USER: true,
  PG_PASSWORD: true,
  WRITE_DB_NAME: true,
  DEBEZIUM_SLOT: true,
});

const log = createLogger('debezium-lease', 'info');
try {
  const [instance, cwd, separator, command, ...args] = process.argv.slice(2);
  if (!instance || !cwd || separator !== '--' || !command) {
    throw new Error('usage: debezium-instance.ts <instance> <folder> -- <command> [args...]');
  }
  const config = parseEnv(holderSettings, process.env);
  const exitCode = await holdLease({
    instance,
    writeUrl: postgresUrl(config, config.WRITE_DB_NAME),
    slot: config.DEBEZIUM_SLOT,
    command,
    args,
    cwd,
    log: log.child({ instance }),
  });
  process.exit(exitCode);
} catch (err) {
  exitOnStartupError(log, err);
}
