import type { SyncStatus } from './schemas.ts';
import { syncStatus, type PipelineDatabases } from './sync-status.ts';

/**
 * syncStatus for the sync-status requests of the moment, one reading at a time (sharedReading).
 * (The /metrics gauges share theirs for 100 ms after it ends instead, lag-metrics.ts: a scrape
 * reads them all at once, and a sample may be a moment old.)
 */
export const sharedSyncStatus = (dbs: PipelineDatabases): (() => Promise<SyncStatus>) => sharedReading(() => syncStatus(dbs));

/**
 * `read`, one call at a time, shared: a caller that comes while a reading runs gets the next one,
 * started when that one ends and shared by every caller that came meanwhile. A flood costs one
 * reading in flight, not one per caller; and every answer is read after its caller came, so a
 * client that writes, then asks, sees its write counted. Pure, for unit tests.
 */
export function sharedReading<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const reading: Promise<T> = read().finally(() => {
      if (running === reading) running = undefined;
    });
    running = reading;
    return reading;
  };
  return () => {
    if (!running) return start();
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}
