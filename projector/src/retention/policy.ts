import type { RetentionPolicy } from './retention-round.ts';

/**
 * The retention policy for partitions older than `olderThanSeconds`: a partition's detach waits at
 * most 2 s for the outbox's lock (writers keep it briefly; a busy outbox waits for the next
 * round), and the inbox is pruned 5,000 rows per transaction.
 */
export function retentionPolicy(olderThanSeconds: number): RetentionPolicy {
  return { olderThanSeconds, lockTimeoutMs: 2000, pruneBatchSize: 5000 };
}
