import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { aggregateTypeOf, CURRENT_SCHEMA_VERSION, type EventPayload, type EventType } from '@shop/shared/events';

/** Inserts one event into the outbox, on the caller's transaction so it commits with the change. */
export async function appendEvent<T extends EventType>(
  client: pg.PoolClient,
  type: T,
  aggregateId: number,
  payload: EventPayload<T>,
): Promise<string> {
  const id = randomUUID();
  await client.query(
    /* sql */ `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, schema_version)
               VALUES ($1::uuid, $2::text, $3::text, $4::text, $5::jsonb, $6::int)`,
    [id, aggregateTypeOf[type], String(aggregateId), type, JSON.stringify(payload), CURRENT_SCHEMA_VERSION],
  );
  return id;
}
