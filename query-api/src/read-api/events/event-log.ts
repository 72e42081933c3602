import type pg from 'pg';
import type { OutboxRow } from '@shop/shared/events';

/**
 * One aggregate's events from the write side's whole log, `outbox_history` (the live outbox and
 * its archive, command-api migration 008), by (aggregatetype, aggregateid, position) through the
 * indexes of command-api migration 012. Read-only: the query API may select from the view, nothing
 * else of the log.
 *
 * Each statement orders by `h.position`, qualified: the bare name would be the output column
 * `position::text AS position`, ordering 10 before 9.
 */
export type AggregateType = 'order' | 'product';

/** An event as the history lists it: occurred-at as text with its microseconds, so it can be sent back as ?asOf= exactly. */
export interface LoggedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  position: string;
  occurredAt: string;
  payload: unknown;
}

/** Events after `after` (a position), in log order, at most `limit`. */
export async function aggregateEvents(
  write: pg.Pool,
  args: { aggregateType: AggregateType; aggregateId: number; after: string; limit: number },
): Promise<LoggedEvent[]> {
  const { rows } = await write.query<{
    id: string;
    type: string;
    schema_version: number;
    position: string;
    occurred_at: string;
    payload: unknown;
  }>(
    /* sql */ `SELECT id::text AS id, type, schema_version, position::text AS position,
                      to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at, payload
                 FROM outbox_history h
                WHERE h.aggregatetype = $1::text AND h.aggregateid = $2::text AND h.position > $3::bigint
                ORDER BY h.position
                LIMIT $4::int`,
    [args.aggregateType, String(args.aggregateId), args.after, args.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    schemaVersion: r.schema_version,
    position: r.position,
    occurredAt: r.occurred_at,
    payload: r.payload,
  }));
}

/** Whether the log holds any event of the aggregate. */
export async function aggregateExists(write: pg.Pool, aggregateType: AggregateType, aggregateId: number): Promise<boolean> {
  const { rows } = await write.query<{ found: boolean }>(
    /* sql */ `SELECT EXISTS (SELECT 1 FROM outbox_history WHERE aggregatetype = $1::text AND aggregateid = $2::text) AS found`,
    [aggregateType, String(aggregateId)],
  );
  return rows[0]!.found;
}

/**
 * Every event of the aggregate that occurred at or before `asOf` (timestamptz text, so its
 * microseconds count), in log order, as the decoder reads them (@shop/shared/events
 * decodeOutboxRow).
 */
export async function aggregateEventsAsOf(
  write: pg.Pool,
  args: { aggregateType: AggregateType; aggregateId: number; asOf: string },
): Promise<OutboxRow[]> {
  const { rows } = await write.query<OutboxRow>(
    /* sql */ `SELECT id, type, schema_version, occurred_at, aggregateid, payload, position::text AS position
                 FROM outbox_history h
                WHERE h.aggregatetype = $1::text AND h.aggregateid = $2::text AND h.occurred_at <= $3::timestamptz
                ORDER BY h.position`,
    [args.aggregateType, String(args.aggregateId), args.asOf],
  );
  return rows;
}
