import { z } from 'zod';

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

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** Connection to the project's own Postgres cluster; write and read databases may share it. */
export const postgresEnv = {
  PG_HOST: z.string().default('127.0.0.1'),
  PG_PORT: port(5433),
  PG_USER: z.string().default('postgres'),
  PG_PASSWORD: z.string().min(1).default('postgres'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
};

export const rabbitEnv = {
  RABBITMQ_HOST: z.string().default('127.0.0.1'),
  RABBITMQ_PORT: port(5672),
  RABBITMQ_USER: z.string().default('guest'),
  RABBITMQ_PASSWORD: z.string().default('guest'),
  RABBITMQ_VHOST: z.string().default('/'),
  EVENTS_EXCHANGE: z.string().min(1).default('shop.events'),
  PROJECTOR_QUEUE: z.string().min(1).default('shop.projector'),
};

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
