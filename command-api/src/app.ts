import express from 'express';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import { errorHandler, jsonBody, unknownRoute } from '@shop/shared/http';
import type { Logger } from '@shop/shared/log';
import { createHttpMetrics } from '@shop/shared/metrics';
import { healthRouter } from '@shop/shared/http';
import { docsRouter } from './http/openapi.ts';
import { orderRoutes } from './orders/routes.ts';
import { productRoutes } from './products/routes.ts';

export interface AppDeps {
  pool: pg.Pool;
  log: Logger;
  bodyLimit: string;
}

export function createApp({ pool, log, bodyLimit }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Command answers are never revalidated: hashing each one for an ETag is wasted work.
  app.disable('etag');
  const metrics = createHttpMetrics('command-api');
  app.use(metrics.middleware);
  // Request lines are logged at info: below that level the per-request logger is pure cost.
  if (log.isLevelEnabled('info')) app.use(pinoHttp({ logger: log }));
  app.use(metrics.router);
  app.use(healthRouter(pool));
  app.use(docsRouter());
  app.use(jsonBody(bodyLimit));
  app.use('/api/products', productRoutes(pool));
  app.use('/api/orders', orderRoutes(pool));
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}
