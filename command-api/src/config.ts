import { z } from 'zod';
import { checkHttpTimeouts, httpServerEnv, logLevel, parseEnv, port, postgresEnv, telemetryEnv } from '@shop/shared/config';

const schema = z.object({
  COMMAND_API_PORT: port(8080),
  WRITE_DB_NAME: z.string().min(1).default('shop_write'),
  ...postgresEnv,
  BODY_LIMIT: z.string().default('100kb'),
  // An Idempotency-Key is remembered this long, then forgotten (and deleted, checked every hour).
  IDEMPOTENCY_KEY_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(24),
  ...httpServerEnv,
  ...telemetryEnv,
  LOG_LEVEL: logLevel,
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checkHttpTimeouts(schema), env);
}
