import type { Router } from 'express';
import type { Registry } from 'prom-client';
import { featureRouter } from '@shop/shared/metrics';
import { registerLagGauges } from './lag-metrics.ts';
import type { SyncStatus } from './schemas.ts';
import { sharedSyncStatus } from './shared-status.ts';
import type { PipelineDatabases } from './sync-status.ts';

/** What the lag inspector reads: both databases, the replication slot and Debezium's offsets. */
export type LagDeps = PipelineDatabases;

/**
 * The lag inspector over HTTP, mounted at /api/analytics: sync-status, and the pipeline's gauges
 * in `registry` (served at /metrics).
 */
export function lagRoutes(deps: LagDeps, registry: Registry): Router {
  registerLagGauges(registry, deps);
  return syncStatusRoutes(sharedSyncStatus(deps));
}

/** `status` is shared (shared-status.ts): one reading at a time, each read after its request came. */
function syncStatusRoutes(status: () => Promise<SyncStatus>): Router {
  const router = featureRouter();
  router.get('/sync-status', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await status());
  });
  return router;
}
