import { z } from 'zod';
import {
  checkHttpTimeouts,
  duration,
  httpServerEnv,
  logLevel,
  parseEnv,
  port,
  postgresEnv,
  telemetryEnv,
} from '@shop/shared/config';

const schema = z.object({
  COMMAND_API_PORT: port(8080),
  WRITE_DB_NAME: z.string().min(1).default('shop_write'),
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
  ...httpServerEnv,
  ...telemetryEnv,
  LOG_LEVEL: logLevel,
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checkHttpTimeouts(schema), env);
}
