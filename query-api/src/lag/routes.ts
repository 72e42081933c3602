import type { Router } from 'express';
import { featureRouter } from '@shop/shared/metrics';
import type { SyncStatus } from './schemas.ts';

/** `status` is shared (shared-status.ts): one reading at a time, each read after its request came. */
export function syncStatusRoutes(status: () => Promise<SyncStatus>): Router {
  const router = featureRouter();
  router.get('/sync-status', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await status());
  });
  return router;
}
