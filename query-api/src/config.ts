import { z } from 'zod';
import { checkHttpTimeouts, httpServerEnv, logLevel, parseEnv, port, postgresEnv } from '@shop/shared/config';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier');

const schema = z.object({
  QUERY_API_PORT: port(8081),
  READ_DB_NAME: z.string().min(1).default('shop_read'),
  // Read-only use of the write side: the outbox past the reconciler, the slot and Debezium's offsets, for the lag.
  WRITE_DB_NAME: z.string().min(1).default('shop_write'),
  DEBEZIUM_SLOT: identifier.default('shop_outbox'),
  DEBEZIUM_OFFSET_TABLE: identifier.default('debezium_offsets'),
  ...postgresEnv,
  ...httpServerEnv,
  LOG_LEVEL: logLevel,
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checkHttpTimeouts(schema), env);
}
