import type pg from 'pg';

/**
 * Where an outbox event is in the pipeline, as the read side's bookkeeping tells it (the event
 * history of the query API, docs/contract.md):
 * - `applied`: in the inbox, or at or below the inbox's pruning watermark (applied, then pruned)
 *   and not parked;
 * - `parked`: a dead letter, set aside with its reason until it is re-driven;
 * - `missing`: the reconciler found it neither applied nor parked past its grace period;
 * - `pending`: none of those yet: on its way.
 */
export const EVENT_STATES = ['applied', 'parked', 'missing', 'pending'] as const;
export type EventState = (typeof EVENT_STATES)[number];

/** What the bookkeeping holds about one event. */
export interface EventMarks {
  inInbox: boolean;
  /** The dead letter's reason, null when it is not one. */
  parkedReason: string | null;
  /** At or below the pruning watermark (none: false). */
  belowWatermark: boolean;
  /** Listed by the reconciler as missing. */
  listedMissing: boolean;
}

/**
 * The inbox first: a re-driven dead letter that was then applied is in both, and applied. A dead
 * letter below the watermark was never applied (retention forgets only the applied ones), so it
 * is parked; the rest below the watermark were applied and pruned. The reconciler's list last: it
 * forgets an event once it is handled, but may not have yet.
 */
export function eventState(marks: EventMarks): { state: EventState; reason: string | null } {
  if (marks.inInbox) return { state: 'applied', reason: null };
  if (marks.parkedReason !== null) return { state: 'parked', reason: marks.parkedReason };
  if (marks.belowWatermark) return { state: 'applied', reason: null };
  if (marks.listedMissing) return { state: 'missing', reason: null };
  return { state: 'pending', reason: null };
}

/** The bookkeeping's marks of these events (by id, with their outbox positions), keyed by id: one probe per table and event. */
export async function eventMarks(
  read: pg.Pool,
  events: readonly { id: string; position: string }[],
): Promise<Map<string, EventMarks>> {
  const { rows } = await read.query<{
    id: string;
    in_inbox: boolean;
    parked_reason: string | null;
    below_watermark: boolean;
    listed_missing: boolean;
  }>(
    /* sql */ `SELECT e.id::text AS id,
                      EXISTS (SELECT 1 FROM read.inbox i WHERE i.event_id = e.id) AS in_inbox,
                      (SELECT d.reason FROM read.dead_letters d WHERE d.event_id = e.id) AS parked_reason,
                      coalesce(e.position <= (SELECT pruned_through FROM read.inbox_pruning), false) AS below_watermark,
                      EXISTS (SELECT 1 FROM reconciler.missing_events m WHERE m.event_id = e.id) AS listed_missing
                 FROM unnest($1::uuid[], $2::bigint[]) AS e(id, position)`,
    [events.map((e) => e.id), events.map((e) => e.position)],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        inInbox: r.in_inbox,
        parkedReason: r.parked_reason,
        belowWatermark: r.below_watermark,
        listedMissing: r.listed_missing,
      },
    ]),
  );
}
