import type pg from 'pg';

/**
 * Every outbox event id against the projector's inbox: `missing` were committed but never
 * projected, `unknown` were projected but are not in the outbox. The inbox's primary key means
 * no event is counted twice there.
 */
export async function inboxAgainstOutbox(write: pg.Pool, read: pg.Pool) {
  const outboxIds = new Set((await write.query<{ id: string }>('SELECT id::text AS id FROM outbox')).rows.map((r) => r.id));
  const inboxIds = (await read.query<{ id: string }>('SELECT event_id::text AS id FROM read.processed_events')).rows.map(
    (r) => r.id,
  );
  const inbox = new Set(inboxIds);
  return {
    outbox: outboxIds.size,
    inbox: inboxIds.length,
    missing: [...outboxIds].filter((id) => !inbox.has(id)),
    unknown: inboxIds.filter((id) => !outboxIds.has(id)),
  };
}
