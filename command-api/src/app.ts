import express from 'express';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import { errorHandler, jsonBody, unknownRoute } from '@shop/shared/http';
import type { Logger } from '@shop/shared/log';
import { createHttpMetrics } from '@shop/shared/metrics';
import { healthRouter } from '@shop/shared/http';
import { traceRequests, type Tracing } from '@shop/shared/telemetry';
import { docsRouter } from './http/openapi.ts';
import { orderRoutes } from './orders/routes.ts';
import { productRoutes } from './products/routes.ts';

export interface AppDeps {
  pool: pg.Pool;
  /** The pipeline identity of the write database, named in every Consistency-Token (pipelineSource). */
  source: string;
  /** How long an Idempotency-Key is remembered (default 24 h). */
  keyTtlHours?: number;
  log: Logger;
  bodyLimit: string;
  /** The currency of the catalog's prices, named in every OrderPlaced (SHOP_CURRENCY). */
  shopCurrency: string;
  /** Spans for each request (no-op unless tracing exports: see startTracing). */
  tracing?: Pick<Tracing, 'tracer' | 'recording'>;
}

export function createApp({ pool, source, keyTtlHours = 24, log, bodyLimit, shopCurrency, tracing }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Command answers are never revalidated: hashing each one for an ETag is wasted work.
  app.disable('etag');
  const metrics = createHttpMetrics('command-api');
  if (tracing) app.use(traceRequests(tracing));
  app.use(metrics.middleware);
  // Request lines are logged at info: below that level the per-request logger is pure cost.
  if (log.isLevelEnabled('info')) app.use(pinoHttp({ logger: log }));
  app.use(metrics.router);
  app.use(healthRouter(pool));
  app.use(docsRouter());
  const store = { pool, source, keyTtlHours };
  // JSON only, on the routes that take it: a POST elsewhere is an unknown route (404), not a 415.
  const json = jsonBody(bodyLimit);
  app.use('/api/products', ...json, productRoutes(store));
  app.use('/api/orders', ...json, orderRoutes(store, shopCurrency));
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}
