import type { OutboxEntry } from '../outbox/outbox-entries.ts';

export type { OutboxEntry };

export interface WindowAudit {
  /** Every event up to here is handled or in `missing`; the next window starts after it. */
  checkedThrough: number;
  missing: OutboxEntry[];
  /** The window stopped at an unhandled event that may still be on its way. */
  stoppedAtPending: boolean;
}

export interface AuditFacts {
  /** Ids the consumer audited has handled (the projector: applied or parked; the notifier: in its inbox). */
  handled: ReadonlySet<string>;
  /** Events that occurred after this are inside the grace period. */
  cutoff: Date;
  /** Where the previous window stopped. */
  from: number;
  /**
   * Whether nothing of this shard before `position` can still be on its way: the consumer has
   * applied a later event of the shard (a shard queue is delivered in order), or the shard has
   * nothing in flight at all (no message waiting in its queue, none held unsettled).
   */
  shardPassed(shard: number, position: number): boolean;
}

/**
 * Audits a window of committed outbox events for one consumer of them (the projector's reconciler,
 * the notifier's audit) (ascending positions, all below a high-water mark,
 * so no event can still appear among them). An unhandled event is missing when it is older than
 * the cutoff and its shard has passed it; otherwise it may still be on its way (inside the grace
 * period, or behind a backlog the consumer is working through), and the window stops there, so
 * the audit never moves past an event that may still arrive and never calls a backlog a loss.
 */
export function auditWindow(entries: readonly OutboxEntry[], facts: AuditFacts): WindowAudit {
  const missing: OutboxEntry[] = [];
  let checkedThrough = facts.from;
  for (const entry of entries) {
    if (!facts.handled.has(entry.id)) {
      const pending = entry.occurredAt > facts.cutoff || !facts.shardPassed(entry.shard, entry.position);
      if (pending) return { checkedThrough, missing, stoppedAtPending: true };
      missing.push(entry);
    }
    checkedThrough = entry.position;
  }
  return { checkedThrough, missing, stoppedAtPending: false };
}
