import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/**
 * The `data` of a Debezium `execute-snapshot` signal: an incremental snapshot of the outbox
 * restricted to these positions, so exactly those rows are read again and published through the
 * EventRouter like live events (same headers, same routing key). The filter is SQL that Debezium
 * appends to its chunk query; it is built from integers only. The collection name must be the
 * full `schema.table` in both places: a condition naming another collection is silently ignored,
 * and the whole table is published.
 */
export function snapshotSignalData(outboxTable: string, positions: readonly number[]): string {
  if (positions.length === 0 || positions.some((p) => !Number.isSafeInteger(p) || p <= 0)) {
    throw new Error('a snapshot signal needs positive integer positions');
  }
  return JSON.stringify({
    'data-collections': [outboxTable],
    type: 'incremental',
    // Chunks in position order rather than by the uuid key: an aggregate's events go out in commit order.
    'surrogate-key': 'position',
    'additional-conditions': [{ 'data-collection': outboxTable, filter: `position IN (${positions.join(',')})` }],
  });
}

/** Inserts the signal into Debezium's signal table in the write database; Debezium reads it from the WAL. */
export async function requestSnapshot(write: pg.Pool, args: { signalTable: string; positions: number[] }): Promise<string> {
  const id = randomUUID();
  // The table name comes from validated configuration; identifiers cannot be bound as parameters.
  await write.query(
    `INSERT INTO ${quoteIdentifier(args.signalTable)} (id, type, data) VALUES ($1::text, 'execute-snapshot', $2::text)`,
    [id, snapshotSignalData('public.outbox', args.positions)],
  );
  return id;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
