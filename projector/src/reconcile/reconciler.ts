import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';
import type { Logger } from '@shop/shared/log';
import {
  auditLogUpTo,
  databaseNow,
  dueForHeal,
  forgetHandled,
  forgetUnknownGone,
  handledAmong,
  highestAppliedByShard,
  inboxCheckPosition,
  inboxEntries,
  markHealRequested,
  reconcilerPosition,
  saveInboxWindow,
  saveWindow,
  unknownEvents,
} from '@shop/shared/read-side';
import { inOutboxLog } from './outbox-lookup.ts';
import type { InboxMark } from '@shop/shared/read-side';
import { inboxWindow } from './inbox-window.ts';
import { outboxEntries } from '@shop/shared/outbox';
import { requestSnapshot } from '@shop/shared/outbox';

export interface ReconcilerSettings {
  /** An unhandled event younger than this is on its way, not missing. */
  graceMs: number;
  /** Outbox events read per window. */
  windowSize: number;
  /** A missing event whose heal was requested this long ago without effect is requested again. */
  healRetryMs: number;
  signalTable: string;
}

export interface AuditReport {
  /** The gap-safe high-water mark this audit went up to; null while it is not known yet. */
  highWaterMark: number | null;
  checkedThrough: number;
  /** Windows read in this audit, and events in them. */
  windows: number;
  eventsAudited: number;
  missing: number;
  oldestMissing: Date | null;
  /** Inbox entries checked against the outbox log in this audit. */
  inboxChecked: number;
  /** Applied events that are not in the outbox log (forged, or not published by Debezium). */
  unknown: number;
}

export interface ReconcilerDeps {
  write: pg.Pool;
  read: pg.Pool;
  settings: ReconcilerSettings;
  /**
   * The outbox mark to audit up to: every position at or below it is committed or never will be,
   * and Debezium has published past it. Null while there is none.
   */
  highWaterMark(): Promise<number | null>;
  /** Shards that may still have events on their way (waiting in the queue, or held unsettled). */
  shardsInFlight(): Promise<ReadonlySet<number>>;
  /** The inbox mark to check applied events up to (@shop/shared/read-side); null while there is none. */
  inboxMark(): Promise<InboxMark | null>;
  log: Logger;
}

/**
 * The continuous audit of the pipeline: compares the write side's outbox with the read side's
 * inbox and dead letters, window by window from where the last audit stopped, never past the
 * high-water mark, and lists every event committed longer ago than the grace period that is
 * neither applied nor parked, once its shard has passed it (a later event of the shard applied,
 * or nothing of the shard in flight): a backlog being worked through is not a loss. Its cost is the new events since the last audit, not the outbox.
 * Healing asks Debezium for an incremental snapshot of exactly the missing rows.
 *
 * The other way round, it looks every inbox entry up in the outbox log, in the order they were
 * applied, and lists those the log does not hold as unknown: the broker is a trust boundary, and
 * an event no one committed may have been applied (reconcile/inbox-window.ts).
 */
export function createReconciler(deps: ReconcilerDeps) {
  return { audit: () => audit(deps), heal: () => heal(deps) };
}

async function audit(deps: ReconcilerDeps): Promise<AuditReport> {
  const { read } = deps;
  const highWaterMark = await deps.highWaterMark();
  const from = (await reconcilerPosition(read)).checkedThrough;
  const outbox =
    highWaterMark === null
      ? { checkedThrough: from, windows: 0, eventsAudited: 0 }
      : await auditOutbox(deps, from, highWaterMark);
  await forgetHandled(read);
  const inboxChecked = await checkInbox(deps);
  await forgetUnknownGone(read);
  const [{ missing, oldestMissing }, unknown] = await Promise.all([reconcilerPosition(read), unknownEvents(read)]);
  return { highWaterMark, ...outbox, missing, oldestMissing, inboxChecked, unknown };
}

/** The outbox events after `from`, window by window up to the high-water mark, checked against the read side. */
async function auditOutbox(deps: ReconcilerDeps, from: number, highWaterMark: number) {
  const { write, read, settings, log } = deps;
  const cutoff = new Date((await databaseNow(write)).getTime() - settings.graceMs);
  // Asked before the outbox is read: an event found unhandled afterwards was not in flight then.
  const inFlight = await deps.shardsInFlight();
  const applied = await highestAppliedByShard(read);
  const shardPassed = (shard: number, position: number) => (applied.get(shard) ?? 0) > position || !inFlight.has(shard);
  return auditLogUpTo(
    {
      entries: (args) => outboxEntries(write, args),
      handledAmong: (ids) => handledAmong(read, ids),
      saveWindow: (window) => withTransaction(read, (client) => saveWindow(client, window)),
      onMissing: (missing) => log.warn({ missing: missing.map((m) => m.id) }, 'events missing from the read side'),
      windowSize: settings.windowSize,
    },
    { from, highWaterMark, cutoff, shardPassed },
  );
}

/** Inbox entries since the last check, window by window up to the inbox mark; returns how many were checked. */
async function checkInbox(deps: ReconcilerDeps): Promise<number> {
  const { write, read, settings, log } = deps;
  const mark = await deps.inboxMark();
  if (mark === null) return 0;
  const position = await inboxCheckPosition(read);
  // Another inbox table (a rebuild swapped one in): its numbering starts again.
  let from = position.table === mark.table ? position.checkedThrough : 0;
  const cutoff = new Date((await databaseNow(read)).getTime() - settings.graceMs);
  let checked = 0;
  for (;;) {
    const entries = await inboxEntries(read, { after: from, upTo: mark.seq, limit: settings.windowSize });
    if (entries.length === 0) break;
    const window = inboxWindow(entries, { found: await inOutboxLog(write, entries), cutoff, from });
    await withTransaction(read, (client) => saveInboxWindow(client, { table: mark.table, ...window }));
    if (window.unknown.length > 0) {
      log.error({ unknown: window.unknown.map((e) => e.id) }, 'applied events that are not in the outbox log');
    }
    checked += entries.length;
    from = window.checkedThrough;
    if (window.stoppedAtRecent || entries.length < settings.windowSize) break;
  }
  return checked;
}

/** Requests a snapshot of the missing events due for one; returns how many were requested. */
async function heal(deps: ReconcilerDeps): Promise<number> {
  const { write, read, settings, log } = deps;
  const due = await dueForHeal(read, { retryMs: settings.healRetryMs, limit: 5000 });
  for (let i = 0; i < due.length; i += 500) {
    const chunk = due.slice(i, i + 500);
    const signal = await requestSnapshot(write, { signalTable: settings.signalTable, positions: chunk.map((m) => m.position) });
    await markHealRequested(
      read,
      chunk.map((m) => m.id),
    );
    log.warn(
      { signal, events: chunk.length, firstPosition: chunk[0]!.position },
      'asked Debezium to publish missing events again',
    );
  }
  return due.length;
}

export type Reconciler = ReturnType<typeof createReconciler>;
