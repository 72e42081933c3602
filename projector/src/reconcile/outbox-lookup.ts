import type pg from 'pg';
import type { InboxEntry } from './inbox-window.ts';

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
