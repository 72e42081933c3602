import { z } from 'zod';
import { DEFAULT_SERVER_TIMEOUTS, type ServerTimeouts } from '../http/timeouts.ts';

/** Raised when the environment does not satisfy a service's config schema; lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, so `FOO=` in a .env file falls back to the default. */
export function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.infer<T> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return result.data;
}

export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** A lower-case SQL identifier (slot, publication, table names): it ends up in SQL and Debezium's settings. */
export const sqlIdentifier = (fallback: string) =>
  z
    .string()
    .regex(/^[a-z0-9_]+$/, 'a lower-case SQL identifier')
    .default(fallback);

const SECONDS_PER: Record<string, number> = { minute: 60, hour: 3600, day: 86_400, week: 604_800 };

/**
 * A span of time written as `<n> <unit>` (minutes, hours, days, weeks: "1 day", "30 days",
 * "15 minutes"), read as seconds.
 */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const match = /^\s*(\d+)\s*(minute|hour|day|week)s?\s*$/.exec(text);
      if (!match || Number(match[1]) === 0) {
        ctx.addIssue({ code: 'custom', message: 'a positive span such as "15 minutes", "12 hours", "30 days" or "2 weeks"' });
        return z.NEVER;
      }
      return Number(match[1]) * SECONDS_PER[match[2]!]!;
    });

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/**
 * Connection to the project's own Postgres cluster; write and read databases may share it. Each
 * component logs in as its own role (docs/security.md), named by default; its password has no
 * default: the stack (`npm start`, docker-compose.yml) hands each component its own.
 */
export const postgresEnv = (role: string) => ({
  PG_HOST: z.string().default('127.0.0.1'),
  PG_PORT: port(5433),
  PG_USER: z.string().default(role),
  PG_PASSWORD: z.string({ error: "required: this component's database password (npm start and docker compose pass it)" }),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
});

/** The broker's place and names, without a login. */
export const rabbitPlaceEnv = {
  RABBITMQ_HOST: z.string().default('127.0.0.1'),
  RABBITMQ_PORT: port(5672),
  RABBITMQ_VHOST: z.string().default('/'),
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
  PROJECTOR_QUEUE: z.string().min(1).default('shop.projector'),
};

/**
 * The broker, logged in as the component's own user (shared/src/messaging/broker-users.ts), named
 * by default; its password has no default: the stack hands each component its own.
 */
export const rabbitEnv = (user: string) => ({
  ...rabbitPlaceEnv,
  RABBITMQ_USER: z.string().default(user),
  RABBITMQ_PASSWORD: z.string({ error: "required: this component's broker password (npm start and docker compose pass it)" }),
});

const millis = (fallback: number) => z.coerce.number().int().min(100).max(3_600_000).default(fallback);

/** Timeouts of a service's HTTP server; what each one cuts off is in shared/src/http/timeouts.ts. */
/**
 * OpenTelemetry tracing: spans are exported (OTLP over HTTP, protobuf) only when an endpoint is
 * set, e.g. http://127.0.0.1:4318 (the standard variable; `/v1/traces` is appended). Unset or
 * empty: nothing is exported, and W3C trace context still passes through.
 */
export const telemetryEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
};

export const httpServerEnv = {
  HTTP_HEADERS_TIMEOUT_MS: millis(DEFAULT_SERVER_TIMEOUTS.headersMs),
  HTTP_REQUEST_TIMEOUT_MS: millis(DEFAULT_SERVER_TIMEOUTS.requestMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: millis(DEFAULT_SERVER_TIMEOUTS.keepAliveMs),
  HTTP_SOCKET_TIMEOUT_MS: millis(DEFAULT_SERVER_TIMEOUTS.socketMs),
};

export type HttpServerSettings = { [K in keyof typeof httpServerEnv]: number };

/**
 * Node refuses to create a server whose headers timeout exceeds its request timeout: a schema
 * spreading `httpServerEnv` is wrapped in this so the mistake is named at start-up instead.
 */
export function checkHttpTimeouts<T extends z.ZodType<HttpServerSettings>>(schema: T): T {
  return schema.refine((s) => s.HTTP_HEADERS_TIMEOUT_MS <= s.HTTP_REQUEST_TIMEOUT_MS, {
    message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
  });
}

export function serverTimeouts(s: HttpServerSettings): ServerTimeouts {
  return {
    headersMs: s.HTTP_HEADERS_TIMEOUT_MS,
    requestMs: s.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveMs: s.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    socketMs: s.HTTP_SOCKET_TIMEOUT_MS,
  };
}

export interface PgSettings {
  PG_HOST: string;
  PG_PORT: number;
  PG_USER: string;
  PG_PASSWORD: string;
}

export function postgresUrl(s: PgSettings, database: string): string {
  const auth = `${encodeURIComponent(s.PG_USER)}:${encodeURIComponent(s.PG_PASSWORD)}`;
  return `postgres://${auth}@${s.PG_HOST}:${s.PG_PORT}/${encodeURIComponent(database)}`;
}

export interface RabbitSettings {
  RABBITMQ_HOST: string;
  RABBITMQ_PORT: number;
  RABBITMQ_USER: string;
  RABBITMQ_PASSWORD: string;
  RABBITMQ_VHOST: string;
}

export function rabbitUrl(s: RabbitSettings): string {
  const auth = `${encodeURIComponent(s.RABBITMQ_USER)}:${encodeURIComponent(s.RABBITMQ_PASSWORD)}`;
  return `amqp://${auth}@${s.RABBITMQ_HOST}:${s.RABBITMQ_PORT}/${encodeURIComponent(s.RABBITMQ_VHOST)}`;
}
