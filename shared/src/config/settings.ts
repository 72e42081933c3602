import { z } from 'zod';
import { port, shopCurrency, sqlIdentifier } from './fields.ts';

/**
 * The settings several components read with one meaning and one default, declared here once:
 * each service's schema (its src/config.ts) and Debezium's (infra/src/native/debezium-settings.ts)
 * take them from here, and the stack's (infra/src/stack-config.ts) is the union of those schemas.
 * A setting only one component reads is declared in that component's schema.
 */

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

const PG_HOST = z.string().default('127.0.0.1');
const PG_PORT = port(5433);
const DB_POOL_MAX = z.coerce.number().int().min(1).max(200).default(10);

export const sharedSettings = {
  WRITE_DB_NAME: z.string().min(1).default('shop_write'),
  READ_DB_NAME: z.string().min(1).default('shop_read'),
  // The projector's HTTP port: the query API's console asks it for its shards.
  PROJECTOR_PORT: port(8082),
  // Debezium's replication slot, publication and tables in the write database, and the prefix of
  // its topics: the write side's set-up makes them, the projector and the query API read them.
  DEBEZIUM_SLOT: sqlIdentifier('shop_outbox'),
  DEBEZIUM_PUBLICATION: sqlIdentifier('shop_outbox_pub'),
  DEBEZIUM_OFFSET_TABLE: sqlIdentifier('debezium_offsets'),
  DEBEZIUM_SIGNAL_TABLE: sqlIdentifier('debezium_signal'),
  DEBEZIUM_TOPIC_PREFIX: z.string().min(1).default('shop'),
  LOG_LEVEL: logLevel,
  // The currency of the shop's prices: the command API names it in every OrderPlaced (v2), and
  // the projector reads amounts of events that name none (OrderPlaced v1, OrderCancelled) as in
  // it and parks an order in any other (docs/contract.md, "Events").
  SHOP_CURRENCY: shopCurrency('USD'),
  // The longest pause between attempts to reach the broker again (the shard consumers of the
  // projector and the notifier).
  RECONNECT_MAX_DELAY_MS: z.coerce.number().int().min(100).default(10_000),
  // How often a consumer of the shard queues reads the write side's shard routing, to consume the
  // shards a drained change of the shard count added (docs/scaling.md).
  ROUTING_POLL_MS: z.coerce.number().int().min(100).default(2000),
};

/**
 * Connection to the project's own Postgres cluster; write and read databases may share it. Each
 * component logs in as its own role (docs/security.md), named by default; its password has no
 * default: the stack (`npm start`, docker-compose.yml) hands each component its own.
 */
export const postgresEnv = (role: string) => ({
  PG_HOST,
  PG_PORT,
  PG_USER: z.string().default(role),
  PG_PASSWORD: z.string({ error: "required: this component's database password (npm start and docker compose pass it)" }),
  DB_POOL_MAX,
});

/** The broker's place and names, without a login. */
export const rabbitPlaceEnv = {
  RABBITMQ_HOST: z.string().default('127.0.0.1'),
  RABBITMQ_PORT: port(5672),
  RABBITMQ_VHOST: z.string().default('/'),
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
  PROJECTOR_QUEUE: z.string().min(1).default('shop.projector'),
  // Prefix of the notifier's shard queues (`<queue>.<shard>`, bound like the projector's) and of
  // its dead-letter exchange and queue: the broker's users are defined by it (broker-users.ts).
  NOTIFIER_QUEUE: z.string().min(1).default('shop.notifier'),
};

/**
 * Every node of a broker cluster, as `host:port,host:port`: a component connects to the first that
 * answers and, having lost its connection, to the next. Unset or empty: RABBITMQ_HOST:RABBITMQ_PORT
 * alone. The native stack sets it when it runs several nodes (RABBITMQ_NODES).
 */
const RABBITMQ_ADDRESSES = z
  .string()
  .regex(/^$|^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, 'host:port, comma-separated')
  .optional();

/**
 * The broker, logged in as the component's own user (shared/src/messaging/broker-users.ts), named
 * by default; its password has no default: the stack hands each component its own.
 */
export const rabbitEnv = (user: string) => ({
  ...rabbitPlaceEnv,
  RABBITMQ_ADDRESSES,
  RABBITMQ_USER: z.string().default(user),
  RABBITMQ_PASSWORD: z.string({ error: "required: this component's broker password (npm start and docker compose pass it)" }),
});

/** A component's own logins: set per component by the stack and compose, never a setting of the stack. */
export const LOGIN_SETTINGS = ['PG_USER', 'PG_PASSWORD', 'RABBITMQ_USER', 'RABBITMQ_PASSWORD'] as const;

/**
 * OpenTelemetry tracing: spans are exported (OTLP over HTTP, protobuf) only when an endpoint is
 * set, e.g. http://127.0.0.1:4318 (the standard variable; `/v1/traces` is appended). Unset or
 * empty: nothing is exported, and W3C trace context still passes through.
 */
export const telemetryEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
};
