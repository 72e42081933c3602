import express from 'express';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import { errorHandler, healthRouter, unknownRoute } from '@shop/shared/http';
import type { Logger } from '@shop/shared/log';
import { createHttpMetrics } from '@shop/shared/metrics';
import { traceRequests, type Tracing } from '@shop/shared/telemetry';
import { analyticsRoutes } from './analytics/routes.ts';
import { consoleRoutes, type ConsoleDeps } from './console/routes.ts';
import { readYourWrites, type ReadYourWrites } from './consistency/read-your-writes.ts';
import { docsRouter } from './http/openapi.ts';
import { registerLagGauges } from './lag/lag-metrics.ts';
import { syncStatusRoutes } from './lag/routes.ts';
import { sharedSyncStatus } from './lag/shared-status.ts';
import type { PipelineDatabases } from './lag/sync-status.ts';
import { orderRoutes } from './orders/routes.ts';
import { productRoutes } from './products/routes.ts';

export interface AppDeps {
  pool: pg.Pool;
  pipeline: PipelineDatabases;
  log: Logger;
  /** The operator console at /console (absent in tests of the API alone). */
  console?: ConsoleDeps;
  /** Spans for each request (no-op unless tracing exports: see startTracing). */
  tracing?: Pick<Tracing, 'tracer' | 'recording'>;
  /** Read-your-writes with a Consistency-Token (absent in tests of the API alone: the header is then refused). */
  consistency?: ReadYourWrites;
}

/** Read answers may be a second old; clients revalidate with the ETag express sets. */
const shortCache: express.RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'public, max-age=1');
  next();
};

export function createApp({ pool, pipeline, log, console: consoleDeps, tracing, consistency }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const metrics = createHttpMetrics('query-api');
  registerLagGauges(metrics.registry, pipeline);
  if (tracing) app.use(traceRequests(tracing));
  app.use(metrics.middleware);
  // Request lines are logged at info: below that level the per-request logger is pure cost.
  if (log.isLevelEnabled('info')) app.use(pinoHttp({ logger: log }));
  app.use(metrics.router);
  app.use(healthRouter(pool));
  app.use(docsRouter());
  app.use('/api/analytics', syncStatusRoutes(sharedSyncStatus(pipeline)));
  if (consistency) app.use('/api', readYourWrites(consistency));
  app.use('/api', shortCache);
  app.use('/api/products', productRoutes(pool));
  app.use('/api/orders', orderRoutes(pool));
  app.use('/api/analytics', analyticsRoutes(pool));
  if (consoleDeps) app.use('/console', consoleRoutes(consoleDeps));
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}
