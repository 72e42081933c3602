import express from 'express';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import { errorHandler, healthRouter, unknownRoute } from '@shop/shared/http';
import type { Logger } from '@shop/shared/log';
import { createHttpMetrics } from '@shop/shared/metrics';
import { productRoutes } from './products/routes.ts';

export interface AppDeps {
  pool: pg.Pool;
  log: Logger;
}

export function createApp({ pool, log }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const metrics = createHttpMetrics('query-api');
  app.use(metrics.middleware);
  app.use(pinoHttp({ logger: log }));
  app.use(metrics.router);
  app.use(healthRouter(pool));
  app.use('/api/products', productRoutes(pool));
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}
