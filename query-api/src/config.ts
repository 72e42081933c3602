import { z } from 'zod';
import { logLevel, parseEnv, port, postgresEnv } from '@shop/shared/config';

const schema = z.object({
  QUERY_API_PORT: port(8081),
  READ_DB_NAME: z.string().min(1).default('shop_read'),
  ...postgresEnv,
  LOG_LEVEL: logLevel,
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(schema, env);
}
