import { z } from 'zod';
import { checkHttpTimeouts, httpServerEnv, logLevel, parseEnv, port, postgresEnv, sqlIdentifier } from '@shop/shared/config';

const schema = z.object({
  QUERY_API_PORT: port(8081),
  READ_DB_NAME: z.string().min(1).default('shop_read'),
  // Read-only use of the write side: the outbox past the reconciler, the slot and Debezium's offsets, for the lag.
  WRITE_DB_NAME: z.string().min(1).default('shop_write'),
  DEBEZIUM_SLOT: sqlIdentifier('shop_outbox'),
  DEBEZIUM_OFFSET_TABLE: sqlIdentifier('debezium_offsets'),
  ...postgresEnv,
  ...httpServerEnv,
  LOG_LEVEL: logLevel,
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checkHttpTimeouts(schema), env);
}
