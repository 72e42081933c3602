import express from 'express';
import { pinoHttp } from 'pino-http';
import { errorHandler, healthRouter, unknownRoute } from '@shop/shared/http';
import type { Logger } from '@shop/shared/log';
import { createHttpMetrics } from '@shop/shared/metrics';
import { traceRequests, type Tracing } from '@shop/shared/telemetry';
import { consoleRoutes, type ConsoleDeps } from './console/routes.ts';
import { docsRouter } from './http/openapi.ts';
import { debeziumHealth, lagRoutes, type LagDeps } from './lag/routes.ts';
import { readApiRoutes, type ReadApiDeps } from './read-api/routes.ts';

/**
 * The query API's three jobs, each with its own dependencies: the read API (read models,
 * read-your-writes), the lag inspector (both databases, Debezium's offsets) and the operator
 * console (the broker, the projectors, operation requests).
 */
export interface AppDeps {
  readApi: ReadApiDeps;
  lag: LagDeps;
  /** The operator console at /console (absent in tests of the API alone). */
  console?: ConsoleDeps;
  log: Logger;
  /** Spans for each request (no-op unless tracing exports: see startTracing). */
  tracing?: Pick<Tracing, 'tracer' | 'recording'>;
}

export function createApp({ readApi, lag, console: consoleDeps, log, tracing }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const metrics = createHttpMetrics('query-api');
  if (tracing) app.use(traceRequests(tracing));
  app.use(metrics.middleware);
  // Request lines are logged at info: below that level the per-request logger is pure cost.
  if (log.isLevelEnabled('info')) app.use(pinoHttp({ logger: log }));
  app.use(metrics.router);
  app.use(healthRouter(readApi.read, () => debeziumHealth(lag)));
  app.use(docsRouter());
  // Before the read API: sync-status never waits for a Consistency-Token and is never cached.
  app.use('/api/analytics', lagRoutes(lag, metrics.registry));
  app.use('/api', readApiRoutes(readApi));
  if (consoleDeps) app.use('/console', consoleRoutes(consoleDeps));
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}
