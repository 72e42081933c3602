import type pg from 'pg';
import type { InboxEntry } from './inbox-window.ts';

/** Inbox entries after seq `after` up to `upTo` (inclusive), in the order they were applied, at most `limit` (the seq index). */
export async function inboxEntries(read: pg.Pool, args: { after: number; upTo: number; limit: number }): Promise<InboxEntry[]> {
  const { rows } = await read.query<{
    id: string;
    event_type: string;
    aggregate_type: string;
    aggregate_id: string;
    occurred_at: Date;
    position: string | null;
    seq: string;
    processed_at: Date;
  }>(
    /* sql */ `SELECT event_id::text AS id, event_type, aggregate_type, aggregate_id, occurred_at, position::text,
                      seq::text, processed_at
                 FROM read.processed_events
                WHERE seq > $1::bigint AND seq <= $2::bigint
                ORDER BY seq LIMIT $3::int`,
    [args.after, args.upTo, args.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.event_type,
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    occurredAt: r.occurred_at,
    position: r.position,
    seq: Number(r.seq),
    processedAt: r.processed_at,
  }));
}

/**
 * Which of these entries are events of the outbox log (archived or live), looked up by its key:
 * the id, and the occurred-at the message carried (to within a millisecond: Debezium sends
 * microseconds, the inbox keeps milliseconds), which also picks the one time partition to look
 * in. One index probe per entry, whatever the size of the log.
 */
export async function inOutboxLog(write: pg.Pool, entries: readonly InboxEntry[]): Promise<Set<string>> {
  const { rows } = await write.query<{ id: string }>(
    /* sql */ `SELECT i.id::text AS id
                 FROM unnest($1::uuid[], $2::timestamptz[]) AS i(id, at)
                CROSS JOIN LATERAL (SELECT 1 FROM outbox_history o
                                     WHERE o.id = i.id
                                       AND o.occurred_at BETWEEN i.at - interval '1 millisecond' AND i.at + interval '1 millisecond'
                                     LIMIT 1) AS found`,
    [entries.map((e) => e.id), entries.map((e) => e.occurredAt)],
  );
  return new Set(rows.map((r) => r.id));
}
