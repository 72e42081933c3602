import type pg from 'pg';

/**
 * The read side's account of events, shared by the projector's reconciler and the query API's
 * sync-status: which events are handled (applied: the inbox; parked: the dead letters), and
 * where the reconciler stands (schema `audit`, projector/migrations/003_reconciler.sql).
 */

/** Which of these event ids the projector has handled: applied (inbox) or parked (dead letters). */
export async function handledAmong(read: pg.Pool, ids: string[]): Promise<Set<string>> {
  const { rows } = await read.query<{ id: string }>(
    /* sql */ `SELECT event_id::text AS id FROM read.processed_events WHERE event_id = ANY($1::uuid[])
               UNION SELECT event_id::text FROM read.dead_letters WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** Which of these event ids are applied (in the inbox): read-your-writes waits for these. */
export async function appliedAmong(read: pg.Pool, ids: readonly string[]): Promise<Set<string>> {
  const { rows } = await read.query<{ id: string }>(
    /* sql */ `SELECT event_id::text AS id FROM read.processed_events WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

export interface AuditPosition {
  /** Every outbox event at or below it is handled or listed as missing. */
  checkedThrough: number;
  /** Listed as missing and still not handled. */
  missing: number;
  oldestMissing: Date | null;
}

/** Where the reconciler stands; nothing checked yet before the projector has created its tables. */
export async function auditPosition(read: pg.Pool): Promise<AuditPosition> {
  try {
    const { rows } = await read.query<{
      checked: string | null;
      missing: number;
      oldest: Date | null;
    }>(/* sql */ `SELECT (SELECT checked_through::text FROM audit.reconciler) AS checked,
                        count(*)::int AS missing, min(m.occurred_at) AS oldest
                   FROM audit.missing_events m
                  WHERE NOT EXISTS (SELECT 1 FROM read.processed_events p WHERE p.event_id = m.event_id)
                    AND NOT EXISTS (SELECT 1 FROM read.dead_letters d WHERE d.event_id = m.event_id)`);
    const row = rows[0]!;
    return { checkedThrough: Number(row.checked ?? 0), missing: row.missing, oldestMissing: row.oldest };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '3F000' || code === '42P01') return { checkedThrough: 0, missing: 0, oldestMissing: null };
    throw err;
  }
}

/**
 * Applied events that are not in the outbox log (the reconciler's inbox check, projector migration
 * 009), counted while their inbox entry exists; 0 before the projector has created that table.
 */
export async function unknownEvents(read: pg.Pool): Promise<number> {
  try {
    const { rows } = await read.query<{ unknown: number }>(/* sql */ `SELECT count(*)::int AS unknown FROM audit.unknown_events u
                 WHERE EXISTS (SELECT 1 FROM read.processed_events p WHERE p.event_id = u.event_id)`);
    return rows[0]!.unknown;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '3F000' || code === '42P01') return 0;
    throw err;
  }
}

export interface InboxWatermark {
  /** Every event at or below this outbox position has left the inbox (dead letters excepted). */
  prunedThrough: number;
  /** When the newest pruned event occurred; null before any pruning. */
  occurredBefore: Date | null;
}

/** How far the inbox is pruned (read.inbox_pruning, projector migration 005); nothing before that table exists. */
export async function inboxWatermark(read: pg.Pool): Promise<InboxWatermark> {
  try {
    const { rows } = await read.query<{ pruned_through: string; occurred_before: Date | null }>(
      /* sql */ `SELECT pruned_through::text, occurred_before FROM read.inbox_pruning`,
    );
    const row = rows[0];
    return { prunedThrough: Number(row?.pruned_through ?? 0), occurredBefore: row?.occurred_before ?? null };
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return { prunedThrough: 0, occurredBefore: null };
    throw err;
  }
}
