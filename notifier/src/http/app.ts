import express from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { errorHandler, healthRouter, unknownRoute } from '@shop/shared/http';
import type { Logger } from '@shop/shared/log';
import { notificationsOfOrder } from '../inbox/notifications.ts';
import type { NotifierMetrics } from './metrics.ts';

export interface AppDeps {
  pool: pg.Pool;
  metrics: NotifierMetrics;
  log: Logger;
  /** Added to GET /health: the broker, the shards, the mode, whether the receiver is paused. */
  status(): Record<string, unknown>;
}

const notificationsQuery = z.object({ orderId: z.coerce.number().int().min(1).max(2_147_483_647) }).strict();

/**
 * The notifier's HTTP port (NOTIFIER_PORT): `GET /health`, `GET /metrics`, and
 * `GET /api/notifications?orderId=` (docs/contract.md, "Notifications"). Errors are the
 * contract's `{error, message}` bodies, mapped in one place (shared errorHandler).
 */
export function createApp({ pool, metrics, log, status }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(metrics.http.middleware);
  app.use(metrics.http.router);
  app.use(healthRouter(pool, async () => status()));
  app.get('/api/notifications', async (req, res) => {
    const { orderId } = notificationsQuery.parse(req.query);
    res.json({ orderId, notifications: await notificationsOfOrder(pool, orderId) });
  });
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}
