import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';
import type { Logger } from '@shop/shared/log';
import { logEntries } from '@shop/shared/outbox';
import {
  auditLogUpTo,
  databaseNow,
  forgetNotified,
  highestSettledByShard,
  notifierPosition,
  saveNotifierWindow,
  settledAmong,
} from '@shop/shared/read-side';

/** Outbox events read per audit window, as the projector's reconciler reads them. */
const WINDOW_SIZE = 5000;

export interface NotifierAuditDeps {
  write: pg.Pool;
  read: pg.Pool;
  /** An event not settled younger than this is on its way, not missing. */
  graceMs: number;
  /** Where the notifier's responsibility starts (notifier/src/inbox/baseline.ts). */
  baseline: number;
  /** The outbox mark to audit up to (published by Debezium, every position below it settled); null while there is none. */
  highWaterMark(): Promise<number | null>;
  /** The shards this notifier consumes, and those that may still have events on their way (queued or held). */
  shards(): readonly number[];
  shardsInFlight(): Promise<ReadonlySet<number>>;
  log: Logger;
}

export interface NotifierAuditReport {
  highWaterMark: number | null;
  checkedThrough: number;
  eventsAudited: number;
  missing: number;
  oldestMissing: Date | null;
}

/**
 * The notifier's audit: the outbox log (archive included: the retention follows the projector's
 * reconciler, not this audit) compared with the notifier's inbox, window by window from where the
 * last audit stopped, never past the high-water mark. Every event since the baseline, of any type
 * (the consumer records the types it does not notify as skipped), committed longer ago than the
 * grace period with no inbox row while its shard has gone past it (a later event of the shard
 * settled, or nothing of the shard in flight) is listed in notifier.missing_events, and forgotten
 * once it has a row. The window logic is the projector's reconciler's (@shop/shared/read-side).
 */
export async function auditNotifier(deps: NotifierAuditDeps): Promise<NotifierAuditReport> {
  const { write, read, log } = deps;
  const highWaterMark = await deps.highWaterMark();
  const from = Math.max((await notifierPosition(read)).checkedThrough, deps.baseline);
  let audited = { checkedThrough: from, eventsAudited: 0 };
  if (highWaterMark !== null) {
    const cutoff = new Date((await databaseNow(write)).getTime() - deps.graceMs);
    // Asked before the log is read: an event found unsettled afterwards was not in flight then.
    const inFlight = await deps.shardsInFlight();
    const settled = await highestSettledByShard(read, deps.shards());
    const shardPassed = (shard: number, position: number) => (settled.get(shard) ?? 0) > position || !inFlight.has(shard);
    audited = await auditLogUpTo(
      {
        entries: (args) => logEntries(write, args),
        handledAmong: (ids) => settledAmong(read, ids),
        saveWindow: (window) => withTransaction(read, (client) => saveNotifierWindow(client, window)),
        onMissing: (missing) =>
          log.error(
            { missing: missing.map((m) => m.id) },
            'events missing from the notifier: never settled, their shard went past them',
          ),
        windowSize: WINDOW_SIZE,
      },
      { from, highWaterMark, cutoff, shardPassed },
    );
  }
  await forgetNotified(read);
  const { missing, oldestMissing } = await notifierPosition(read);
  return { highWaterMark, checkedThrough: audited.checkedThrough, eventsAudited: audited.eventsAudited, missing, oldestMissing };
}

/** What /health reports of the audits: missing events, or an audit that keeps failing. */
export function auditProblems(report: NotifierAuditReport | undefined, failures: number): string[] {
  const problems: string[] = [];
  if (report && report.missing > 0) {
    problems.push(
      `${report.missing} events missing (committed, never settled by the notifier), oldest from ${report.oldestMissing?.toISOString()}: notifier/README.md, "Lag and missing events"`,
    );
  }
  if (failures >= 3) problems.push(`notifier audit failed ${failures} times in a row`);
  return problems;
}
