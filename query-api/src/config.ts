import { z } from 'zod';
import {
  checkHttpTimeouts,
  declaredDefault,
  httpServerEnv,
  parseEnv,
  port,
  postgresEnv,
  rabbitEnv,
  sharedSettings,
  telemetryEnv,
} from '@shop/shared/config';

const { READ_DB_NAME, WRITE_DB_NAME, DEBEZIUM_SLOT, DEBEZIUM_OFFSET_TABLE, LOG_LEVEL, SHOP_CURRENCY } = sharedSettings;

/** The query API's settings (its CLI reads them too); the shared ones come from @shop/shared/config. */
export const queryApiSettings = z.object({
  QUERY_API_PORT: port(8081),
  READ_DB_NAME,
  // Read-only use of the write side: the outbox past the reconciler, the slot and Debezium's offsets, for the lag.
  WRITE_DB_NAME,
  DEBEZIUM_SLOT,
  DEBEZIUM_OFFSET_TABLE,
  // Time travel reads the event log as the projector does: amounts that name no currency are in it.
  SHOP_CURRENCY,
  ...postgresEnv('shop_query_api'),
  // The console (/console): shard queue depths and the dead-letter queue, read and re-driven over AMQP.
  ...rabbitEnv('shop_query_api'),
  // Where the console asks each projector instance for its shards (comma-separated base URLs);
  // by default the one on this host, on the projector's default port.
  PROJECTOR_URLS: z
    .string()
    .default(`http://127.0.0.1:${declaredDefault(sharedSettings.PROJECTOR_PORT)}`)
    .transform((s) =>
      s
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url()).min(1)),
  // Actions in the console (re-drive) need this token; unset, the console is read-only.
  CONSOLE_ADMIN_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  // How often the console's live view reads the pipeline (one reading shared by every open console).
  CONSOLE_REFRESH_MS: z.coerce.number().int().min(200).max(60_000).default(1000),
  // Live consoles (server-sent event streams) served at once; one more is refused with 503.
  CONSOLE_MAX_SUBSCRIBERS: z.coerce.number().int().min(1).max(10_000).default(20),
  // Dead letters one console listing takes from the queue at most (the total is still counted).
  CONSOLE_DEAD_LETTER_LIMIT: z.coerce.number().int().min(1).max(10_000).default(200),
  // Read-your-writes: the longest a request with a Consistency-Token waits for its write (a client
  // may ask for less with Prefer: wait=N).
  CONSISTENCY_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  // Requests waiting for their writes at once; one more is refused with 503 and Retry-After.
  CONSISTENCY_MAX_WAITERS: z.coerce.number().int().min(1).max(100_000).default(1000),
  ...httpServerEnv,
  ...telemetryEnv,
  LOG_LEVEL,
});

export type Config = z.infer<typeof queryApiSettings>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checkHttpTimeouts(queryApiSettings), env);
}
