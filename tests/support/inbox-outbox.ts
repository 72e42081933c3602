import type pg from 'pg';
import { inboxWatermark } from '@shop/shared/read-side';

/**
 * Every event of the log (outbox_history: archived partitions and the live outbox) against the
 * projector's inbox: `missing` were committed but never projected, `unknown` were projected but
 * are in no log. Events at or below the inbox's pruning watermark may have left the inbox (that is
 * retention, not a loss): they are not required there; the read models' totals still count them.
 * The inbox's primary key means no event is counted twice there.
 */
export async function inboxAgainstOutbox(write: pg.Pool, read: pg.Pool) {
  const { prunedThrough } = await inboxWatermark(read);
  const log = (await write.query<{ id: string; position: string }>('SELECT id::text AS id, position::text FROM outbox_history'))
    .rows;
  const inboxIds = (await read.query<{ id: string }>('SELECT event_id::text AS id FROM read.inbox')).rows.map((r) => r.id);
  const inbox = new Set(inboxIds);
  const logIds = new Set(log.map((r) => r.id));
  return {
    outbox: log.length,
    inbox: inboxIds.length,
    prunedThrough,
    missing: log.filter((r) => Number(r.position) > prunedThrough && !inbox.has(r.id)).map((r) => r.id),
    unknown: inboxIds.filter((id) => !logIds.has(id)),
  };
}
