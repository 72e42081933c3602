import { createServer, type Server } from 'node:http';
import type pg from 'pg';
import { isDatabaseReachable } from '@shop/shared/db';
import type { Consumer } from '../messaging/consumer.ts';
import type { ProjectorStats } from '../stats.ts';

/** `GET /health`: 200 while consuming and the read database answers; 503 otherwise, with which part is down. */
export function createHealthServer(pool: pg.Pool, consumer: Consumer, stats: ProjectorStats): Server {
  return createServer(async (req, res) => {
    if (req.method !== 'GET' || req.url !== '/health') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not_found', message: 'not found' }));
      return;
    }
    const database = await isDatabaseReachable(pool);
    const rabbitmq = consumer.isConnected();
    const ok = database && rabbitmq;
    res
      .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', database, rabbitmq, ...stats }));
  });
}
