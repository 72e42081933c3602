import type pg from 'pg';
import type { Logger } from '@shop/shared/log';
import { createOutboxPartitions, type PartitionPlan } from '@shop/shared/outbox';
import { startPeriodic } from '@shop/shared/periodic';

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
