import type pg from 'pg';
import { notFound } from '@shop/shared/http';
import { eventMarks, eventState } from '@shop/shared/read-side';
import { aggregateEvents, aggregateExists, type AggregateType } from './event-log.ts';
import { pageOf } from './page.ts';

/**
 * One page of an aggregate's history: its events from the write side's log in log order, each
 * with where the read side has it (@shop/shared/read-side eventState). The log is read first, then
 * the read side: an event applied between the two reads shows as applied, never the other way.
 */
export async function aggregateHistory(
  dbs: { read: pg.Pool; write: pg.Pool },
  args: { aggregateType: AggregateType; aggregateId: number; after: string; limit: number },
) {
  const logged = await aggregateEvents(dbs.write, { ...args, limit: args.limit + 1 });
  const page = pageOf(logged, args.limit, (e) => e.position);
  if (page.rows.length === 0 && !(await aggregateExists(dbs.write, args.aggregateType, args.aggregateId))) {
    throw notFound(`${args.aggregateType} ${args.aggregateId}`);
  }
  const marks = page.rows.length > 0 ? await eventMarks(dbs.read, page.rows) : new Map();
  return {
    aggregateType: args.aggregateType,
    aggregateId: args.aggregateId,
    events: page.rows.map((e) => ({
      eventId: e.id,
      type: e.type,
      schemaVersion: e.schemaVersion,
      position: Number(e.position),
      occurredAt: e.occurredAt,
      payload: e.payload,
      ...eventState(marks.get(e.id)!),
    })),
    next: page.next === null ? null : Number(page.next),
  };
}
