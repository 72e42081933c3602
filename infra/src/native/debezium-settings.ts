import { z } from 'zod';
import { port, postgresEnv, rabbitEnv, sharedSettings, telemetryEnv } from '@shop/shared/config';
import { BROKER_USERS } from '@shop/shared/messaging';

// Debezium opens no pool of ours, and consumes no queue.
const postgres = z.object(postgresEnv('shop_debezium')).omit({ DB_POOL_MAX: true }).shape;
// Its sink takes one host: with a cluster, the stack hands it the proxy's (stack-config.ts, childEnv).
const rabbit = z.object(rabbitEnv(BROKER_USERS.debezium)).omit({ PROJECTOR_QUEUE: true, RABBITMQ_ADDRESSES: true }).shape;
const shared = z.object(sharedSettings).pick({
  WRITE_DB_NAME: true,
  DEBEZIUM_SLOT: true,
  DEBEZIUM_PUBLICATION: true,
  DEBEZIUM_TOPIC_PREFIX: true,
  DEBEZIUM_OFFSET_TABLE: true,
  DEBEZIUM_SIGNAL_TABLE: true,
}).shape;

/**
 * What Debezium Server reads: the variables of debezium/config/application.properties (the stack
 * and docker compose pass them), with the ports the stack runs it on and what the stack reads to
 * fetch and start it (its version, its JDK). A static test checks the file's `${VAR:default}`
 * against these.
 */
export const debeziumSettings = z.object({
  // Quarkus' HTTP port (health at /q/health); moved off 8080, the command API's.
  DEBEZIUM_HTTP_PORT: port(8083),
  // Its own Prometheus metrics (the JMX exporter its distribution ships), at /metrics.
  DEBEZIUM_METRICS_PORT: port(8084),
  DEBEZIUM_VERSION: z.string().default('3.6.0.Final'),
  // JDK 21+ for Debezium only; unset: JAVA_HOME if new enough, else the newest under /usr/lib/jvm.
  DEBEZIUM_JAVA_HOME: z.string().optional(),
  ...postgres,
  ...shared,
  DEBEZIUM_HEARTBEAT_MS: z.coerce.number().int().min(1000).default(10_000),
  DEBEZIUM_POLL_INTERVAL_MS: z.coerce.number().int().min(1).default(10),
  ...rabbit,
  ...telemetryEnv,
});
