import { z } from 'zod';
import {
  checkHttpTimeouts,
  duration,
  httpServerEnv,
  parseEnv,
  port,
  postgresEnv,
  sharedSettings,
  telemetryEnv,
} from '@shop/shared/config';

const { WRITE_DB_NAME, DEBEZIUM_PUBLICATION, DEBEZIUM_SIGNAL_TABLE, DEBEZIUM_OFFSET_TABLE, LOG_LEVEL, SHOP_CURRENCY } =
  sharedSettings;

/** The command API's settings; the shared ones come from @shop/shared/config (one declaration each). */
export const commandApiSettings = z.object({
  COMMAND_API_PORT: port(8080),
  WRITE_DB_NAME,
  ...postgresEnv('shop_command_api'),
  BODY_LIMIT: z.string().default('100kb'),
  // An Idempotency-Key is remembered this long, then forgotten (and deleted, checked every hour).
  IDEMPOTENCY_KEY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(24),
  // The outbox is partitioned by time: one partition per this span, created this many ahead (and
  // checked every half span, at most hourly), so no write waits for one (docs/retention.md).
  OUTBOX_PARTITION_INTERVAL: duration('1 day'),
  OUTBOX_PARTITIONS_AHEAD: z.coerce.number().int().min(1).max(1000).default(7),
  SHOP_CURRENCY,
  ...httpServerEnv,
  ...telemetryEnv,
  LOG_LEVEL,
});

export type Config = z.infer<typeof commandApiSettings>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checkHttpTimeouts(commandApiSettings), env);
}

/**
 * The write side's set-up (src/migrate.ts), run as its owner (shop_owner) before the command API
 * and Debezium start: the migrations, Debezium's publication and offsets table.
 */
export const writeSetupSettings = z.object({
  ...postgresEnv('shop_owner'),
  WRITE_DB_NAME,
  DEBEZIUM_PUBLICATION,
  DEBEZIUM_SIGNAL_TABLE,
  DEBEZIUM_OFFSET_TABLE,
  LOG_LEVEL,
});
