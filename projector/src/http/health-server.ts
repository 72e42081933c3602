import type { Server } from 'node:http';
import type pg from 'pg';
import { isDatabaseReachable } from '@shop/shared/db';
import { createHttpServer, type ServerTimeouts } from '@shop/shared/timeouts';
import { shardProblems, type Consumer } from '@shop/shared/consumer';
import type { ProjectorMetrics } from './metrics.ts';

/**
 * `GET /health`: 503 when the read database or the broker is away, saying which; else 200 with
 * `status` `ok`, or `degraded` with the `problems` (a shard stuck or without a channel, events the
 * reconciler found missing); with the broker node it consumes from, each consumed shard's state and unsettled deliveries, and the counters. `GET /metrics`: Prometheus text. Same timeouts as the APIs,
 * so a slow client cannot hold the health port either.
 */
export interface HealthSources {
  pool: pg.Pool;
  consumer: Consumer;
  metrics: ProjectorMetrics;
  /** Problems found by the reconciler (events missing), as lines. */
  auditProblems(): string[];
}

export function createHealthServer(sources: HealthSources, timeouts?: ServerTimeouts): Server {
  const { pool, consumer, metrics } = sources;
  return createHttpServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      const database = await isDatabaseReachable(pool);
      const rabbitmq = consumer.isConnected();
      const ok = database && rabbitmq;
      const problems = ok
        ? [...shardProblems(consumer.assignedShards(), consumer.shards(), Date.now()), ...sources.auditProblems()]
        : [];
      const status = !ok ? 'unavailable' : problems.length > 0 ? 'degraded' : 'ok';
      // Each consumed shard's state and deliveries held unsettled (unacked): the console shows them.
      const shards = Object.fromEntries(
        [...consumer.shards()].map(([shard, s]) => [shard, { state: s.state, unsettled: s.unsettled }]),
      );
      // The broker node (host:port) consumed from, or being tried: which one, with a cluster.
      const body = { status, database, rabbitmq, broker: consumer.broker(), problems, shards, ...metrics.snapshot() };
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
