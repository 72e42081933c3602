import { z } from 'zod';
import { checkHttpTimeouts, httpServerEnv, parseEnv, port, postgresEnv, rabbitEnv, sharedSettings } from '@shop/shared/config';

const {
  READ_DB_NAME,
  WRITE_DB_NAME,
  DEBEZIUM_SLOT,
  DEBEZIUM_SIGNAL_TABLE,
  LOG_LEVEL,
  RECONNECT_MAX_DELAY_MS,
  ROUTING_POLL_MS,
  SHOP_CURRENCY,
} = sharedSettings;

/** parseEnv reads an empty value as unset (an .env line `NAME=` leaves a setting out). */
const optional = <T extends z.ZodType>(schema: T) => schema.optional();

/** The notifier's settings (its CLIs read them too); the shared ones come from @shop/shared/config. */
export const notifierSettings = z.object({
  NOTIFIER_PORT: port(8085),
  READ_DB_NAME,
  WRITE_DB_NAME,
  ...postgresEnv('shop_notifier'),
  ...rabbitEnv('shop_notifier'),
  ...httpServerEnv,
  // Where each OrderPlaced and OrderCancelled is POSTed (notifier/README.md). Unset: the
  // notifications are only recorded in the notifier's table, readable at GET /api/notifications.
  NOTIFIER_WEBHOOK_URL: optional(z.url({ protocol: /^https?$/ })),
  // The HMAC-SHA256 key of the X-Signature-256 header, shared with the receiver; required with a
  // URL. A secret: never logged (docs/security.md).
  NOTIFIER_WEBHOOK_SECRET: optional(z.string().min(16, 'at least 16 characters')),
  // Attempts per event before it is parked (the first one included).
  NOTIFIER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  // The first pause between attempts; it doubles after each, with full jitter, up to the cap.
  NOTIFIER_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(200),
  // The cap on one pause (a Retry-After above it is cut to it), and the pace of a paused shard.
  NOTIFIER_RETRY_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  // How long one POST may take, answer included, before it counts as a failed attempt.
  NOTIFIER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  // After this many events in a row parked for retryable failures (network, timeout, 5xx, 429) the
  // receiver is taken to be down: the shards stop parking and keep retrying their next event until
  // the receiver answers 2xx again (notifier/README.md, "A receiver down for long"). 0: never pause.
  NOTIFIER_PAUSE_AFTER_PARKED: z.coerce.number().int().min(0).max(1000).default(3),
  NOTIFIER_PREFETCH: z.coerce.number().int().min(1).max(10_000).default(50),
  // Deliveries of one shard taken at once; they are POSTed one after the other (per-order order)
  // and acked together once each is recorded.
  NOTIFIER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  // The audit of the outbox log against the inbox (notifier/README.md, "Lag and missing events"):
  // how often it runs, and how old an event with no inbox row must be (its shard gone past it) to
  // be listed as missing. Its own settings, not RECONCILE_*: the notifier runs apart from the
  // projector, and its shards wait on a receiver (a shard held by retries is in flight, not past).
  NOTIFIER_AUDIT_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  NOTIFIER_AUDIT_GRACE_MS: z.coerce.number().int().min(0).default(15_000),
  // The audit goes no further than Debezium has published (confirmed to its slot).
  DEBEZIUM_SLOT,
  // Where `npm run notifier:heal` asks Debezium to publish the missing events again.
  DEBEZIUM_SIGNAL_TABLE,
  RECONNECT_MAX_DELAY_MS,
  ROUTING_POLL_MS,
  // Amounts of events that name no currency are in it, as the projector reads them (docs/contract.md, "Events").
  SHOP_CURRENCY,
  LOG_LEVEL,
});

export type Config = z.infer<typeof notifierSettings>;

/** The webhook's settings, once both are checked to be there. */
export interface Webhook {
  url: string;
  secret: string;
}

export const webhookOf = (config: Config): Webhook | undefined =>
  config.NOTIFIER_WEBHOOK_URL && config.NOTIFIER_WEBHOOK_SECRET
    ? { url: config.NOTIFIER_WEBHOOK_URL, secret: config.NOTIFIER_WEBHOOK_SECRET }
    : undefined;

const checked = checkHttpTimeouts(notifierSettings).superRefine((s, ctx) => {
  if (s.NOTIFIER_WEBHOOK_URL && !s.NOTIFIER_WEBHOOK_SECRET)
    ctx.addIssue({ code: 'custom', path: ['NOTIFIER_WEBHOOK_SECRET'], message: 'required when NOTIFIER_WEBHOOK_URL is set' });
});

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnv(checked, env);
}
