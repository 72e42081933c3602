import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Credentials a request or response carries, never written to a log: pino-http logs every
 * request's headers, and the console's admin token travels in Authorization (a proxy's session in
 * a cookie). Paths as pino-http's serializers name them, and as a handler would log raw headers.
 */
const CREDENTIALS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, base: { service }, redact: { paths: CREDENTIALS, censor: '[redacted]' } });
}
