import type { InboxEntry } from '@shop/shared/read-side';

export type { InboxEntry };

export interface InboxWindow {
  /** Every entry up to here was looked up in the outbox log; the next window starts after it. */
  checkedThrough: number;
  /** Entries of the window that are not events of the outbox log. */
  unknown: InboxEntry[];
  /** The window stopped at an entry applied too recently to judge. */
  stoppedAtRecent: boolean;
}

/**
 * Checks a window of inbox entries (ascending seq, all at or below the inbox mark, so none can
 * still appear among them) given which of them the outbox log holds (`found`, by id): an entry it
 * does not hold is unknown: applied, but never committed by the write side (forged, or published
 * by something other than Debezium). An entry applied after `cutoff` stops the window: its outbox
 * row was committed before Debezium could publish it, but a commit reaches the WAL a moment
 * before other sessions see it (much longer with synchronous replication), so it is judged at a
 * later audit, never called unknown too early.
 */
export function inboxWindow(
  entries: readonly InboxEntry[],
  facts: { found: ReadonlySet<string>; cutoff: Date; from: number },
): InboxWindow {
  const unknown: InboxEntry[] = [];
  let checkedThrough = facts.from;
  for (const entry of entries) {
    if (entry.appliedAt > facts.cutoff) return { checkedThrough, unknown, stoppedAtRecent: true };
    if (!facts.found.has(entry.id)) unknown.push(entry);
    checkedThrough = entry.seq;
  }
  return { checkedThrough, unknown, stoppedAtRecent: false };
}
