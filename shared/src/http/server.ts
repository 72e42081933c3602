import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { onShutdownSignal } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { createHttpServer, DEFAULT_SERVER_TIMEOUTS, type ServerTimeouts } from './timeouts.ts';

/** Starts listening and resolves with the bound port (tests pass port 0). */
export function listen(
  app: Express,
  port: number,
  host = '0.0.0.0',
  timeouts: ServerTimeouts = DEFAULT_SERVER_TIMEOUTS,
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createHttpServer(app, timeouts);
    // Stays attached: a later server error (EMFILE under a connection flood) must not crash us.
    server.on('error', reject);
    server.listen(port, host, () => {
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/**
 * Listens, then on SIGTERM/SIGINT stops accepting, lets in-flight requests finish and runs
 * `release` (close pools) before exiting.
 */
export async function serveUntilSignal(
  app: Express,
  port: number,
  log: Logger,
  release: () => Promise<void>,
  timeouts: ServerTimeouts = DEFAULT_SERVER_TIMEOUTS,
): Promise<void> {
  const { server, port: bound } = await listen(app, port, '0.0.0.0', timeouts);
  log.info({ port: bound, timeouts }, 'listening');
  onShutdownSignal(log, async () => {
    await closeServer(server);
    await release();
  });
}
