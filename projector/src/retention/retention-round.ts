import type pg from 'pg';
import type { Logger } from '@shop/shared/log';
import { startPeriodic } from '@shop/shared/periodic';
import { archivePartition, livePartitions, lowestLivePosition } from '@shop/shared/outbox';
import { forgetHandledDeadLetters, inboxWatermark, pruneInboxBelowWatermark, raiseInboxWatermark } from '@shop/shared/read-side';

export interface RetentionPolicy {
  /** A partition is archived once its whole time range is older than this (seconds; 0: once it ended). */
  olderThanSeconds: number;
  lockTimeoutMs: number;
  pruneBatchSize: number;
}

export interface RetentionReport {
  archived: { name: string; events: number }[];
  /** The oldest partition that had to stay, and why; null when every old enough one was archived. */
  kept: { name: string; reason: string } | null;
  /** Partitions old enough to be archived that are still live after the round (0 when retention keeps up). */
  overdue: number;
  /** Every event at or below this outbox position has left the inbox (except dead letters). */
  prunedThrough: number;
  pruned: number;
  /** Handled dead letters (re-driven and applied) at or below the watermark, forgotten with their inbox rows. */
  forgottenDeadLetters: number;
}

/** How far the reconciler vouches for the log: at or below `archiveThrough`, every event is handled. */
async function reconciledMark(read: pg.Pool): Promise<number> {
  const { rows } = await read.query<{
    checked: string;
    missing_low: string | null;
  }>(/* sql */ `SELECT (SELECT checked_through FROM reconciler.progress)::text AS checked,
                      (SELECT min(position) FROM reconciler.missing_events)::text AS missing_low`);
  const checked = Number(rows[0]!.checked);
  // A missing event must stay in the live outbox: its heal asks Debezium to publish it from there.
  return rows[0]!.missing_low === null ? checked : Math.min(checked, Number(rows[0]!.missing_low) - 1);
}

/**
 * One retention round. Archives the outbox partitions, oldest first, whose range ended longer
 * than the policy's age ago and whose events the reconciler has all checked; stops at the first
 * that must stay (the log is archived without holes). Then raises the inbox watermark to the
 * position below which no event is in the live outbox any more (Debezium cannot publish those
 * again), forgets the dead letters handled below it, and prunes the inbox below it.
 */
export async function runRetentionRound(
  pools: { write: pg.Pool; read: pg.Pool },
  policy: RetentionPolicy,
  log: Logger,
): Promise<RetentionReport> {
  const through = await reconciledMark(pools.read);
  const cutoff = Date.now() - policy.olderThanSeconds * 1000;
  const archived: RetentionReport['archived'] = [];
  let kept: RetentionReport['kept'] = null;
  const partitions = await livePartitions(pools.write);
  const due = partitions.filter((p) => p.toAt.getTime() <= cutoff).length;
  for (const partition of partitions) {
    if (partition.toAt.getTime() > cutoff) break;
    const events = await archivePartition(pools.write, partition.name, through, policy.lockTimeoutMs);
    if (events === null) {
      kept = { name: partition.name, reason: `holds events above the reconciled position ${through}, or the outbox was busy` };
      break;
    }
    archived.push({ name: partition.name, events });
    log.info({ partition: partition.name, events }, 'outbox partition archived');
  }
  const lowestLive = await lowestLivePosition(pools.write);
  const mark = lowestLive === null ? through : Math.min(through, lowestLive - 1);
  const before = await inboxWatermark(pools.read);
  if (mark > before.prunedThrough) await raiseInboxWatermark(pools.read, mark);
  const forgottenDeadLetters = await forgetHandledDeadLetters(pools.read, policy.pruneBatchSize);
  const pruned = await pruneInboxBelowWatermark(pools.read, policy.pruneBatchSize);
  if (pruned > 0) log.info({ pruned, prunedThrough: Math.max(mark, before.prunedThrough) }, 'inbox pruned');
  return {
    archived,
    kept,
    overdue: due - archived.length,
    prunedThrough: Math.max(mark, before.prunedThrough),
    pruned,
    forgottenDeadLetters,
  };
}

/**
 * A retention round now and every `everyMs`; each outcome goes to `report` (the metrics), a failed
 * round is logged and tried again next time.
 */
export function startRetentionLoop(
  pools: { write: pg.Pool; read: pg.Pool },
  policy: RetentionPolicy,
  opts: { everyMs: number; log: Logger; report: (outcome: RetentionReport | 'failed') => void },
): { stop(): Promise<void> } {
  return startPeriodic(
    async () => {
      opts.report(await runRetentionRound(pools, policy, opts.log));
    },
    {
      everyMs: opts.everyMs,
      onError: (err) => {
        opts.report('failed');
        opts.log.warn({ err }, 'retention round failed; trying again later');
      },
    },
  );
}
