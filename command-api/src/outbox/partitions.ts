import type pg from 'pg';
import type { Logger } from '@shop/shared/log';
import { startPeriodic } from '@shop/shared/periodic';

export interface PartitionPlan {
  /** Span of one partition, in seconds. */
  stepSeconds: number;
  /** How many partitions to keep ready beyond the current one. */
  ahead: number;
}

/**
 * Extends the outbox partitions forward to `ahead` steps past now (outbox_create_partitions,
 * migration 008); returns how many were created.
 */
export async function createOutboxPartitions(pool: pg.Pool, plan: PartitionPlan): Promise<number> {
  const { rows } = await pool.query<{ created: number }>(
    /* sql */ `SELECT outbox_create_partitions(make_interval(secs => $1::int),
                                              now() + make_interval(secs => $1::int) * $2::int) AS created`,
    [plan.stepSeconds, plan.ahead],
  );
  return rows[0]!.created;
}

/**
 * Keeps partitions ready ahead of the writes: now, then every half step (at most hourly). A write
 * that finds none still succeeds (the default partition takes it), so a failed round is only logged.
 */
export function startPartitionUpkeep(pool: pg.Pool, plan: PartitionPlan, log: Logger): { stop(): Promise<void> } {
  return startPeriodic(
    async () => {
      const created = await createOutboxPartitions(pool, plan);
      if (created > 0) log.info({ created, stepSeconds: plan.stepSeconds }, 'outbox partitions created ahead');
    },
    {
      everyMs: Math.min((plan.stepSeconds * 1000) / 2, 60 * 60_000),
      onError: (err) => log.warn({ err }, 'could not create outbox partitions ahead; trying again later'),
    },
  );
}
