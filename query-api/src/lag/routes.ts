import type { Router } from 'express';
import { featureRouter } from '@shop/shared/metrics';
import { syncStatus, type PipelineDatabases } from './sync-status.ts';

export function syncStatusRoutes(dbs: PipelineDatabases): Router {
  const router = featureRouter();
  router.get('/sync-status', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await syncStatus(dbs));
  });
  return router;
}
