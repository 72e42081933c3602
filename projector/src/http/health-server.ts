import type { Server } from 'node:http';
import type pg from 'pg';
import { isDatabaseReachable } from '@shop/shared/db';
import { createHttpServer, type ServerTimeouts } from '@shop/shared/timeouts';
import type { Consumer } from '../messaging/consumer.ts';
import type { ProjectorMetrics } from './metrics.ts';

/**
 * `GET /health`: 200 while consuming and the read database answers, 503 otherwise, saying which
 * part is down, with the counters. `GET /metrics`: Prometheus text. Same timeouts as the APIs,
 * so a slow client cannot hold the health port either.
 */
export function createHealthServer(
  pool: pg.Pool,
  consumer: Consumer,
  metrics: ProjectorMetrics,
  timeouts?: ServerTimeouts,
): Server {
  return createHttpServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      const database = await isDatabaseReachable(pool);
      const rabbitmq = consumer.isConnected();
      const ok = database && rabbitmq;
      const body = { status: ok ? 'ok' : 'unavailable', database, rabbitmq, ...metrics.snapshot() };
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    } else {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not_found', message: 'not found' }));
    }
  }, timeouts);
}
