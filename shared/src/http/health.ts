import { Router } from 'express';
import type pg from 'pg';
import { isDatabaseReachable } from '../db/health.ts';

/**
 * `GET /health`: 200 `{status: ok}` while the service's database answers, 503 otherwise. `details`
 * adds fields to the 200 answer (what it reads must not fail the health: it answers what it can).
 */
export function healthRouter(pool: pg.Pool, details?: () => Promise<Record<string, unknown>>): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    if (await isDatabaseReachable(pool)) res.json({ status: 'ok', ...(await details?.()) });
    else res.status(503).json({ status: 'unavailable', error: 'service_unavailable', message: 'database unreachable' });
  });
  return router;
}
