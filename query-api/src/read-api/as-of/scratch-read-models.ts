import type pg from 'pg';
import { decodeOutboxRow, type EventReader, type KnownEvent, type OutboxRow } from '@shop/shared/events';
import { batchStatement } from '@shop/shared/projection';
import { BOOKKEEPING_TABLES, LIVE_SCHEMA, NO_SHARD } from '@shop/shared/read-side';
import { READ_MODELS } from '@shop/shared/read-models';

/**
 * The read models of one aggregate as they were at a moment, computed by the projector's own
 * statement (@shop/shared/projection, projector migration 011): the same functions that apply
 * every batch, so there is one definition of what an event does to the read models.
 *
 * It runs on the caller's transaction, which must be rolled back: every table those functions
 * touch (the registry's read models and the bookkeeping) is shadowed by an empty temporary copy
 * first. The functions name their tables without a schema and temporary tables come first in
 * name resolution, so they write only the copies; the query API's role may write no real table
 * (projector migration 012), so a table missed here would fail the request, never change the
 * read models. The notification the statement sends (pg_notify) is discarded with the rollback.
 */
export const SCRATCH_TABLES: readonly string[] = [...BOOKKEEPING_TABLES, ...READ_MODELS.flatMap((m) => m.tables)];

/**
 * The advisory lock the statement holds shared (retention takes PRUNING_LOCK exclusively): a key
 * no one takes exclusively, since the inbox here is a scratch copy with no watermark to guard.
 */
const SCRATCH_LOCK = 0x7e_a5_0f;
/** A channel no one listens on; its notification is rolled back anyway. */
const SCRATCH_CHANNEL = 'query_api_time_travel';

const STATEMENT = batchStatement(READ_MODELS, SCRATCH_CHANNEL, SCRATCH_LOCK);

// Identifiers cannot be parameters: these are the registry's table names and the schema constant, quoted.
const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const CREATE_SCRATCH = SCRATCH_TABLES.map(
  (name) => `CREATE TEMPORARY TABLE ${quote(name)} (LIKE ${quote(LIVE_SCHEMA)}.${quote(name)} INCLUDING ALL)`,
).join(';\n');

/**
 * Shadows the read models with empty temporary tables and applies the rows' events to them, in
 * log order. Rows that do not decode (a type or version this build does not know, an invalid
 * body) are left out, as the projector would park them. Returns how many events were applied.
 */
export async function applyToScratch(client: pg.PoolClient, rows: readonly OutboxRow[], reader: EventReader): Promise<number> {
  // One round trip: several statements without parameters go as one simple query.
  await client.query(CREATE_SCRATCH);
  const events: KnownEvent[] = [];
  for (const row of rows) {
    const decoded = decodeOutboxRow(row, reader);
    if (decoded.kind === 'event') events.push(decoded.event);
  }
  if (events.length === 0) return 0;
  const { rows: refused } = await client.query<{ not_new: string[]; unverified: string[] }>(
    STATEMENT.text,
    STATEMENT.parameters({ applied: [{ shard: NO_SHARD, events }], vouched: [] }),
  );
  // The scratch inbox and dead letters are empty: every event is new. Anything else is a bug.
  if (refused[0]!.not_new.length > 0 || refused[0]!.unverified.length > 0) {
    throw new Error('the scratch inbox refused events of a replay');
  }
  return events.length;
}
