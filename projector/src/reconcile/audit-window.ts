/** One outbox event as the reconciler sees it. */
export interface OutboxEntry {
  id: string;
  position: number;
  occurredAt: Date;
}

export interface WindowAudit {
  /** Every event up to here is handled or in `missing`; the next window starts after it. */
  checkedThrough: number;
  missing: OutboxEntry[];
  /** The window stopped at an unhandled event still inside the grace period. */
  stoppedAtYoung: boolean;
}

/**
 * Audits a window of committed outbox events (ascending positions, all below a high-water mark,
 * so no event can still appear among them) against the ids the read side has handled (applied
 * or parked). An unhandled event older than the cutoff is missing; the first unhandled event
 * younger than it stops the window, so the audit never moves past an event that may still be on
 * its way.
 */
export function auditWindow(
  entries: readonly OutboxEntry[],
  handled: ReadonlySet<string>,
  cutoff: Date,
  from: number,
): WindowAudit {
  const missing: OutboxEntry[] = [];
  let checkedThrough = from;
  for (const entry of entries) {
    if (!handled.has(entry.id)) {
      if (entry.occurredAt > cutoff) return { checkedThrough, missing, stoppedAtYoung: true };
      missing.push(entry);
    }
    checkedThrough = entry.position;
  }
  return { checkedThrough, missing, stoppedAtYoung: false };
}
