import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { aggregateTypeOf, eventPayloadSchemas, eventVersions, type EventPayload, type EventType } from '@shop/shared/events';
import { outboxSpanContext } from '@shop/shared/telemetry';

/**
 * The ids of the events written on each open transaction, for the command's Consistency-Token:
 * every outbox write goes through outboxParameters' callers, which note them here; executeCommand
 * takes them when the command is done (and drops them when it is undone). Keyed by the
 * transaction's client, which the pool hands to one transaction at a time.
 */
const writtenOn = new WeakMap<pg.PoolClient, string[]>();

export function noteWritten(client: pg.PoolClient, eventIds: string[]): void {
  writtenOn.set(client, [...(writtenOn.get(client) ?? []), ...eventIds]);
}

/** The ids of the events written on this transaction since the last call, in order; forgets them. */
export function takeWrittenEvents(client: pg.PoolClient): string[] {
  const ids = writtenOn.get(client) ?? [];
  writtenOn.delete(client);
  return ids;
}

export type NewEvent = { [T in EventType]: { type: T; aggregateId: number; payload: EventPayload<T> } }[EventType];

/**
 * Inserts events into the outbox in one statement, on the caller's transaction so they commit
 * with the change. Their order within the transaction is kept by the outbox's position column.
 * Each is written in its type's current version (eventVersions), its schema_version saying which.
 */
export async function appendEvents(client: pg.PoolClient, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const parameters = outboxParameters(events);
  await client.query(
    /* sql */ `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, schema_version, tracingspancontext)
               SELECT e.id, e.aggregatetype, e.aggregateid, e.type, e.payload, e.schema_version, $7::text
                 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[])
                      WITH ORDINALITY AS e(id, aggregatetype, aggregateid, type, payload, schema_version, n)
                ORDER BY e.n`,
    parameters,
  );
  noteWritten(client, parameters[0]);
}

/**
 * The parameters of an outbox insert over `unnest($1..$6)` plus the trace context ($7): event ids,
 * aggregate types, aggregate ids, types, payloads checked against the schema of the version they
 * are written in, and that version; the active span's context (the request's) for Debezium's
 * EventRouter.
 */
export function outboxParameters(
  events: NewEvent[],
): [string[], string[], string[], string[], string[], number[], string | null] {
  return [
    events.map(() => randomUUID()),
    events.map((e) => aggregateTypeOf[e.type]),
    events.map((e) => String(e.aggregateId)),
    events.map((e) => e.type),
    events.map((e) => JSON.stringify(checked(e))),
    events.map((e) => eventVersions[e.type].current),
    outboxSpanContext(),
  ];
}

/**
 * Checked against the schema of the version it is written in (the current one), which the
 * projector decodes it with: never publish what it would refuse.
 */
function checked(event: NewEvent): unknown {
  const result = eventPayloadSchemas[event.type].safeParse(event.payload);
  // A bug of ours, not bad input: must surface as a 500, never as the client's 400.
  if (!result.success) throw new Error(`${event.type} payload does not match its schema: ${result.error.message}`);
  return result.data;
}
