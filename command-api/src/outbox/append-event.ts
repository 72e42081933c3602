import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { aggregateTypeOf, CURRENT_SCHEMA_VERSION, type EventPayload, type EventType } from '@shop/shared/events';

export type NewEvent = { [T in EventType]: { type: T; aggregateId: number; payload: EventPayload<T> } }[EventType];

/**
 * Inserts events into the outbox in one statement, on the caller's transaction so they commit
 * with the change. Their order within the transaction is kept by the outbox's position column.
 */
export async function appendEvents(client: pg.PoolClient, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    /* sql */ `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, schema_version)
               SELECT e.id, e.aggregatetype, e.aggregateid, e.type, e.payload, $6::int
                 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
                      WITH ORDINALITY AS e(id, aggregatetype, aggregateid, type, payload, n)
                ORDER BY e.n`,
    [
      events.map(() => randomUUID()),
      events.map((e) => aggregateTypeOf[e.type]),
      events.map((e) => String(e.aggregateId)),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.payload)),
      CURRENT_SCHEMA_VERSION,
    ],
  );
}
