import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * How long a client may take, so a slow or stalled one (slow-loris: headers or body trickled a
 * byte at a time, or a body that never completes) cannot hold a connection forever.
 * - `headersMs`: from the first byte of a request to the end of its headers (then 408, closed);
 * - `requestMs`: from the first byte to the end of its body (then 408, closed); only receiving is
 *   timed, so a slow database query never trips it;
 * - `keepAliveMs`: an idle keep-alive connection between two requests is closed after this;
 * - `socketMs`: last resort, a connection on which no byte moves either way (a client that stops
 *   reading the response) is destroyed after this.
 */
export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
  socketMs: number;
}

/**
 * Defaults (`.env.example` documents the same): a real client sends its headers in one packet
 * and a 100 kB body in well under a second, so 10 s and 30 s leave room for bad networks while
 * freeing a slot held by a slow-loris client far sooner than Node's own 60 s and 5 min. The
 * keep-alive idle time stays Node's 5 s; the socket timeout is longer than the request timeout
 * so a stalled request gets its 408 first.
 */
export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  socketMs: 60_000,
};

/**
 * An HTTP server enforcing `timeouts`. Node checks the headers and request timeouts only every
 * `connectionsCheckingInterval` (30 s by default, which would let a slow client live up to 30 s
 * past its timeout), so the check runs at least four times per timeout, and at least every second.
 */
export function createHttpServer(handler: RequestListener, timeouts: ServerTimeouts = DEFAULT_SERVER_TIMEOUTS): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(Math.min(timeouts.headersMs, timeouts.requestMs) / 4)),
    },
    handler,
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  // Without a 'timeout' listener Node destroys the idle socket, which is what we want.
  server.setTimeout(timeouts.socketMs);
  return server;
}
