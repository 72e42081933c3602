export { ConfigError, declaredDefault, parseEnv, withoutEmpty } from './parse.ts';
export { duration, port, sqlIdentifier } from './fields.ts';
export { LOGIN_SETTINGS, logLevel, postgresEnv, rabbitEnv, rabbitPlaceEnv, sharedSettings, telemetryEnv } from './settings.ts';
export { checkHttpTimeouts, httpServerEnv, serverTimeouts, type HttpServerSettings } from './http-server.ts';

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
