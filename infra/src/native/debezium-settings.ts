import { z } from 'zod';
import { port, postgresEnv, rabbitEnv, sharedSettings, telemetryEnv } from '@shop/shared/config';
import { BROKER_USERS } from '@shop/shared/messaging';

const { PG_HOST, PG_PORT, PG_USER, PG_PASSWORD } = postgresEnv('shop_debezium');
const { RABBITMQ_HOST, RABBITMQ_PORT, RABBITMQ_VHOST, EVENTS_EXCHANGE, RABBITMQ_USER, RABBITMQ_PASSWORD } = rabbitEnv(
  BROKER_USERS.debezium,
);
const {
  WRITE_DB_NAME,
  DEBEZIUM_SLOT,
  DEBEZIUM_PUBLICATION,
  DEBEZIUM_TOPIC_PREFIX,
  DEBEZIUM_OFFSET_TABLE,
  DEBEZIUM_SIGNAL_TABLE,
} = sharedSettings;

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
  PG_HOST,
  PG_PORT,
  PG_USER,
  PG_PASSWORD,
  WRITE_DB_NAME,
  DEBEZIUM_SLOT,
  DEBEZIUM_PUBLICATION,
  DEBEZIUM_TOPIC_PREFIX,
  DEBEZIUM_OFFSET_TABLE,
  DEBEZIUM_SIGNAL_TABLE,
  DEBEZIUM_HEARTBEAT_MS: z.coerce.number().int().min(1000).default(10_000),
  DEBEZIUM_POLL_INTERVAL_MS: z.coerce.number().int().min(1).default(10),
  RABBITMQ_HOST,
  RABBITMQ_PORT,
  RABBITMQ_VHOST,
  RABBITMQ_USER,
  RABBITMQ_PASSWORD,
  EVENTS_EXCHANGE,
  ...telemetryEnv,
});
