import { z } from 'zod';
import { logLevel, parseEnv, port, postgresEnv, rabbitEnv } from '@shop/shared/config';

const schema = z.object({
  PROJECTOR_PORT: port(8082),
  READ_DB_NAME: z.string().min(1).default('shop_read'),
  ...postgresEnv,
  ...rabbitEnv,
  PROJECTOR_PREFETCH: z.coerce.number().int().min(1).max(10_000).default(100),
  RECONNECT_MAX_DELAY_MS: z.coerce.number().int().min(100).default(10_000),
  LOG_LEVEL: logLevel,
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(schema, env);
}
