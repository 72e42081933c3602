import type pg from 'pg';
import type { OutboxEntry } from '../outbox/outbox-entries.ts';
import { auditWindow, type WindowAudit } from './audit-window.ts';

/** What one consumer's audit of the outbox log needs (the projector's reconciler, the notifier's audit). */
export interface LogAuditDeps {
  /** Outbox events after `after` up to `upTo`, in position order, at most `limit`. */
  entries(args: { after: number; upTo: number; limit: number }): Promise<OutboxEntry[]>;
  /** Which of these ids the consumer has handled. */
  handledAmong(ids: string[]): Promise<ReadonlySet<string>>;
  /** Records a window's findings and its new position (in one transaction). */
  saveWindow(window: WindowAudit): Promise<void>;
  /** Called with each window's missing events, once saved (to log them). */
  onMissing(missing: readonly OutboxEntry[]): void;
  windowSize: number;
}

export interface LogAudit {
  checkedThrough: number;
  windows: number;
  eventsAudited: number;
}

/**
 * The outbox events after `from`, window by window up to the high-water mark, checked against what
 * the consumer handled (auditWindow): each window is saved before the next is read, and the audit
 * stops at the first event that may still be on its way. Its cost is the new events since the last
 * audit, not the log.
 */
export async function auditLogUpTo(
  deps: LogAuditDeps,
  args: { from: number; highWaterMark: number; cutoff: Date; shardPassed(shard: number, position: number): boolean },
): Promise<LogAudit> {
  let from = args.from;
  let windows = 0;
  let eventsAudited = 0;
  for (;;) {
    const entries = await deps.entries({ after: from, upTo: args.highWaterMark, limit: deps.windowSize });
    if (entries.length === 0) break;
    const handled = await deps.handledAmong(entries.map((e) => e.id));
    const window = auditWindow(entries, { handled, cutoff: args.cutoff, from, shardPassed: args.shardPassed });
    await deps.saveWindow(window);
    if (window.missing.length > 0) deps.onMissing(window.missing);
    windows += 1;
    eventsAudited += entries.length;
    from = window.checkedThrough;
    if (window.stoppedAtPending || entries.length < deps.windowSize) break;
  }
  return { checkedThrough: from, windows, eventsAudited };
}

/** The database's clock: the grace period is measured against the clock that stamped occurred_at. */
export async function databaseNow(db: pg.Pool): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>(/* sql */ `SELECT clock_timestamp() AS now`);
  return rows[0]!.now;
}
