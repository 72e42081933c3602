import { z } from 'zod';
import { checkHttpTimeouts, httpServerEnv, logLevel, parseEnv, port, postgresEnv, telemetryEnv } from '@shop/shared/config';

const schema = z.object({
  COMMAND_API_PORT: port(8080),
  WRITE_DB_NAME: z.string().min(1).default('shop_write'),
  ...postgresEnv,
  BODY_LIMIT: z.string().default('100kb'),
  ...httpServerEnv,
  ...telemetryEnv,
  LOG_LEVEL: logLevel,
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checkHttpTimeouts(schema), env);
}
