import type pg from 'pg';
import { withRolledBackTransaction } from '@shop/shared/db';
import type { EventReader } from '@shop/shared/events';
import { aggregateEventsAsOf, type AggregateType } from '../events/event-log.ts';
import { applyToScratch } from './scratch-read-models.ts';

/**
 * The answer of a read (`read`, the plain GET's own query) as it was at `asOf`: the aggregate's
 * events that occurred at or before it, in log order, applied to scratch copies of the read models
 * (scratch-read-models.ts) in one read-side transaction that is rolled back. Undefined when the
 * aggregate had no event by then (or none this build can apply): it did not exist yet.
 */
/** The read side, the event log on the write side, and how its events are read. */
export interface EventLogDbs {
  read: pg.Pool;
  write: pg.Pool;
  reader: EventReader;
}

export async function readAsOf<T>(
  dbs: EventLogDbs,
  args: { aggregateType: AggregateType; aggregateId: number; asOf: string },
  read: (client: pg.PoolClient) => Promise<T | undefined>,
): Promise<T | undefined> {
  const rows = await aggregateEventsAsOf(dbs.write, args);
  if (rows.length === 0) return undefined;
  return withRolledBackTransaction(dbs.read, async (client) => {
    if ((await applyToScratch(client, rows, dbs.reader)) === 0) return undefined;
    return read(client);
  });
}
