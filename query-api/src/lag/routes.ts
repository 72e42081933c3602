import type { Router } from 'express';
import type { Registry } from 'prom-client';
import { featureRouter } from '@shop/shared/metrics';
import { registerLagGauges } from './lag-metrics.ts';
import type { SyncStatus } from './schemas.ts';
import { sharedSyncStatus } from './shared-status.ts';
import type { PipelineDatabases } from './sync-status.ts';
import { debeziumLease } from './write-side.ts';

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

/**
 * What the query API's /health adds: the Debezium instance holding the slot's lease, and since
 * when (nulls when the write database cannot be read: that does not make the query API unhealthy).
 */
export async function debeziumHealth(
  deps: LagDeps,
): Promise<{ debezium: { activeInstance: string | null; activeSince: string | null } }> {
  const lease = await debeziumLease(deps.write, deps.slot).catch(() => undefined);
  return { debezium: { activeInstance: lease?.activeInstance ?? null, activeSince: lease?.activeSince ?? null } };
}

/** `status` is shared (shared-status.ts): one reading at a time, each read after its request came. */
function syncStatusRoutes(status: () => Promise<SyncStatus>): Router {
  const router = featureRouter();
  router.get('/sync-status', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await status());
  });
  return router;
}
