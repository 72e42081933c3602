export { ConfigError, declaredDefault, parseEnv, withoutEmpty } from './parse.ts';
export { duration, port, shopCurrency, sqlIdentifier } from './fields.ts';
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
  return urlAt(s, `${s.RABBITMQ_HOST}:${s.RABBITMQ_PORT}`);
}

/**
 * One URL per broker node a component may connect to, in the order it tries them:
 * RABBITMQ_ADDRESSES when set, else RABBITMQ_HOST:RABBITMQ_PORT alone (rabbitUrl).
 */
export function rabbitUrls(s: RabbitSettings & { RABBITMQ_ADDRESSES?: string | undefined }): string[] {
  const addresses = (s.RABBITMQ_ADDRESSES ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  return addresses.length > 0 ? addresses.map((address) => urlAt(s, address)) : [rabbitUrl(s)];
}

/** A broker URL's `host:port`, for logs (a URL carries the password). */
export const brokerAddressOf = (url: string) => new URL(url).host;

function urlAt(s: RabbitSettings, hostAndPort: string): string {
  const auth = `${encodeURIComponent(s.RABBITMQ_USER)}:${encodeURIComponent(s.RABBITMQ_PASSWORD)}`;
  return `amqp://${auth}@${hostAndPort}/${encodeURIComponent(s.RABBITMQ_VHOST)}`;
}
