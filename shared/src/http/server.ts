import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { onShutdownSignal } from '../lifecycle.ts';
import type { Logger } from '../log.ts';

/** Starts listening and resolves with the bound port (tests pass port 0). */
export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (error) return reject(error);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
    server.on('error', reject);
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
export async function serveUntilSignal(app: Express, port: number, log: Logger, release: () => Promise<void>): Promise<void> {
  const { server, port: bound } = await listen(app, port);
  log.info({ port: bound }, 'listening');
  onShutdownSignal(log, async () => {
    await closeServer(server);
    await release();
  });
}
