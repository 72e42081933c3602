import { z } from 'zod';
import { DEFAULT_SERVER_TIMEOUTS, type ServerTimeouts } from '../http/timeouts.ts';
import { millis } from './fields.ts';

/** Timeouts of a service's HTTP server; what each one cuts off is in shared/src/http/timeouts.ts. */
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
