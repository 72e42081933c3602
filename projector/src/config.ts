import { z } from 'zod';
import {
  checkHttpTimeouts,
  duration,
  httpServerEnv,
  parseEnv,
  postgresEnv,
  rabbitEnv,
  sharedSettings,
  telemetryEnv,
} from '@shop/shared/config';
import { MAX_SHARD_COUNT } from '@shop/shared/messaging';

/**
 * `all` or a comma-separated list of shard numbers this instance consumes. The shard count is not
 * a setting: it is the write side's outbox_routing (@shop/shared/outbox), read at start and
 * watched, so `all` grows with it; a listed shard beyond the count is consumed once the count
 * reaches it (docs/scaling.md, "Changing the shard count").
 */
const shards = z
  .string()
  .default('all')
  .transform((value, ctx): 'all' | number[] => {
    if (value === 'all') return 'all';
    const list = value.split(',').map((s) => Number(s.trim()));
    if (list.some((n) => !Number.isInteger(n) || n < 0 || n >= MAX_SHARD_COUNT)) {
      ctx.addIssue({ code: 'custom', message: `shards are integers from 0 to ${MAX_SHARD_COUNT - 1}, or "all"` });
      return z.NEVER;
    }
    return [...new Set(list)].sort((a, b) => a - b);
  });

const {
  PROJECTOR_PORT,
  READ_DB_NAME,
  WRITE_DB_NAME,
  DEBEZIUM_SLOT,
  DEBEZIUM_SIGNAL_TABLE,
  LOG_LEVEL,
  RECONNECT_MAX_DELAY_MS,
  ROUTING_POLL_MS,
  SHOP_CURRENCY,
} = sharedSettings;

/** The projector's settings (its CLIs read them too); the shared ones come from @shop/shared/config. */
export const projectorSettings = z.object({
  PROJECTOR_PORT,
  READ_DB_NAME,
  WRITE_DB_NAME,
  ...postgresEnv('shop_projector'),
  ...rabbitEnv('shop_projector'),
  ...httpServerEnv,
  PROJECTOR_SHARDS: shards,
  PROJECTOR_PREFETCH: z.coerce.number().int().min(1).max(10_000).default(2000),
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  PROJECTOR_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(9).default(5),
  // An event whose occurredAt (or placedAt, cancelledAt) is further ahead of the projector's clock
  // than this is parked as untrusted (docs/guarantees.md). NTP keeps hosts within milliseconds; a
  // minute leaves room for a badly kept clock, and is as long as a forged instant can hold a
  // product's state against real updates.
  PROJECTOR_MAX_CLOCK_SKEW_MS: z.coerce.number().int().min(0).default(60_000),
  SHOP_CURRENCY,
  RECONNECT_MAX_DELAY_MS,
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  RECONCILE_GRACE_MS: z.coerce.number().int().min(0).default(15_000),
  RECONCILE_HEAL: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  RECONCILE_HEAL_RETRY_MS: z.coerce.number().int().min(1000).default(60_000),
  OPERATIONS_POLL_MS: z.coerce.number().int().min(100).default(1000),
  ROUTING_POLL_MS,
  // Retention (docs/retention.md): outbox partitions whose range ended longer ago than this move to
  // the archive once reconciled, and the inbox is pruned below them; checked every interval.
  OUTBOX_RETENTION: duration('30 days'),
  RETENTION_INTERVAL_MS: z.coerce.number().int().min(1000).default(600_000),
  DEBEZIUM_SLOT,
  DEBEZIUM_SIGNAL_TABLE,
  ...telemetryEnv,
  LOG_LEVEL,
});

export type Config = z.infer<typeof projectorSettings>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checkHttpTimeouts(projectorSettings), env);
}
