import { Router } from 'express';
import type pg from 'pg';
import { isDatabaseReachable } from '../db/health.ts';

/** `GET /health`: 200 `{status: ok}` while the service's database answers, 503 otherwise. */
export function healthRouter(pool: pg.Pool): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    if (await isDatabaseReachable(pool)) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unavailable', error: 'service_unavailable', message: 'database unreachable' });
  });
  return router;
}
