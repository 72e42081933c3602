import type pg from 'pg';
import type { Logger } from '@shop/shared/log';
import { startPeriodic } from '@shop/shared/periodic';

/**
 * Deletes the idempotency keys older than the TTL, oldest first, `batchSize` at a time through
 * the created_at index (never a scan of the table, never one long transaction); returns how many.
 */
export async function deleteExpiredKeys(pool: pg.Pool, opts: { ttlHours: number; batchSize: number }): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      /* sql */ `DELETE FROM idempotency_keys WHERE key IN (
                  SELECT key FROM idempotency_keys
                   WHERE created_at < now() - make_interval(hours => $1::int)
                   ORDER BY created_at LIMIT $2::int)`,
      [opts.ttlHours, opts.batchSize],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < opts.batchSize) return deleted;
  }
}

/**
 * Deletes expired keys every `everyMs` (and once at start). An expired key that is still there
 * is already treated as unknown (claimKey), so this only bounds the table's size.
 */
export function startKeyExpiry(
  pool: pg.Pool,
  opts: { ttlHours: number; everyMs: number; log: Logger },
): { stop(): Promise<void> } {
  return startPeriodic(
    async () => {
      const deleted = await deleteExpiredKeys(pool, { ttlHours: opts.ttlHours, batchSize: 1000 });
      if (deleted > 0) opts.log.info({ deleted, ttlHours: opts.ttlHours }, 'expired idempotency keys deleted');
    },
    {
      everyMs: opts.everyMs,
      onError: (err) => opts.log.warn({ err }, 'could not delete expired idempotency keys; trying again later'),
    },
  );
}
