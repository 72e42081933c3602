import type pg from 'pg';
import type { InboxEntry } from './inbox.ts';

/**
 * The reconciler's state and findings (schema `reconciler`, projector migrations 003, 009 and 010),
 * outside the schema `read` so a rebuild's swap keeps them:
 * - `reconciler.progress.checked_through`: every outbox event at or below it is applied, parked or
 *   listed in `reconciler.missing_events`;
 * - `reconciler.inbox_check.checked_through`: every inbox entry up to that seq was looked up in the
 *   outbox log, and those it does not hold are in `reconciler.unknown_events`.
 */

/** An outbox event the reconciler found neither applied nor parked. */
export interface MissingEntry {
  id: string;
  position: number;
  occurredAt: Date;
}

/** Records a window's findings and its new position in one transaction. */
export async function saveWindow(
  client: pg.PoolClient,
  args: { checkedThrough: number; missing: readonly MissingEntry[] },
): Promise<void> {
  await client.query(
    /* sql */ `INSERT INTO reconciler.missing_events (event_id, position, occurred_at)
               SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[])
               ON CONFLICT (event_id) DO NOTHING`,
    [args.missing.map((m) => m.id), args.missing.map((m) => m.position), args.missing.map((m) => m.occurredAt)],
  );
  await client.query(
    /* sql */ `UPDATE reconciler.progress SET checked_through = greatest(checked_through, $1::bigint), checked_at = now()`,
    [args.checkedThrough],
  );
}

/** Forgets missing events that have been handled since (healed, re-driven, arrived late). */
export async function forgetHandled(read: pg.Pool): Promise<number> {
  const { rowCount } = await read.query(/* sql */ `DELETE FROM reconciler.missing_events m
                WHERE EXISTS (SELECT 1 FROM read.inbox p WHERE p.event_id = m.event_id)
                   OR EXISTS (SELECT 1 FROM read.dead_letters d WHERE d.event_id = m.event_id)`);
  return rowCount ?? 0;
}

export interface MissingEvent {
  id: string;
  position: number;
  occurredAt: Date;
  healRequests: number;
}

/** Missing events due for a heal: never requested, or requested longer ago than `retryMs`. */
export async function dueForHeal(read: pg.Pool, args: { retryMs: number; limit: number }): Promise<MissingEvent[]> {
  const { rows } = await read.query<{ id: string; position: string; occurred_at: Date; heal_requests: number }>(
    /* sql */ `SELECT event_id::text AS id, position::text, occurred_at, heal_requests FROM reconciler.missing_events
                WHERE heal_requested_at IS NULL OR heal_requested_at < now() - make_interval(secs => $1::float8 / 1000)
                ORDER BY position LIMIT $2::int`,
    [args.retryMs, args.limit],
  );
  return rows.map((r) => ({ id: r.id, position: Number(r.position), occurredAt: r.occurred_at, healRequests: r.heal_requests }));
}

export async function markHealRequested(read: pg.Pool, ids: string[]): Promise<void> {
  await read.query(
    /* sql */ `UPDATE reconciler.missing_events SET heal_requests = heal_requests + 1, heal_requested_at = now()
                WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
}

/** How far the inbox has been checked against the outbox log, and in which inbox table (migration 009). */
export async function inboxCheckPosition(read: pg.Pool): Promise<{ table: string | null; checkedThrough: number }> {
  const { rows } = await read.query<{ table: string | null; checked: string }>(
    /* sql */ `SELECT inbox_table::text AS table, checked_through::text AS checked FROM reconciler.inbox_check`,
  );
  return { table: rows[0]?.table ?? null, checkedThrough: Number(rows[0]?.checked ?? 0) };
}

/** Records a window of the inbox check: its unknown events and its new position, in one transaction. */
export async function saveInboxWindow(
  client: pg.PoolClient,
  args: { table: string; checkedThrough: number; unknown: InboxEntry[] },
): Promise<void> {
  const u = args.unknown;
  await client.query(
    /* sql */ `INSERT INTO reconciler.unknown_events (event_id, event_type, aggregate_type, aggregate_id, occurred_at, position)
               SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[])
               ON CONFLICT (event_id) DO NOTHING`,
    [
      u.map((e) => e.id),
      u.map((e) => e.type),
      u.map((e) => e.aggregateType),
      u.map((e) => e.aggregateId),
      u.map((e) => e.occurredAt),
      u.map((e) => e.position),
    ],
  );
  await client.query(
    /* sql */ `UPDATE reconciler.inbox_check SET inbox_table = $1::oid, checked_through = $2::bigint, checked_at = now()`,
    [args.table, args.checkedThrough],
  );
}

/** Forgets unknown events whose inbox entry is gone (a rebuild from the outbox, or an operator removed it). */
export async function forgetUnknownGone(read: pg.Pool): Promise<number> {
  const { rowCount } = await read.query(/* sql */ `DELETE FROM reconciler.unknown_events u
                WHERE NOT EXISTS (SELECT 1 FROM read.inbox p WHERE p.event_id = u.event_id)`);
  return rowCount ?? 0;
}

export interface ReconcilerPosition {
  /** Every outbox event at or below it is handled or listed as missing. */
  checkedThrough: number;
  /** Listed as missing and still not handled. */
  missing: number;
  oldestMissing: Date | null;
}

/** Where the reconciler stands; nothing checked yet before the projector has created its tables. */
export async function reconcilerPosition(read: pg.Pool): Promise<ReconcilerPosition> {
  try {
    const { rows } = await read.query<{
      checked: string | null;
      missing: number;
      oldest: Date | null;
    }>(/* sql */ `SELECT (SELECT checked_through::text FROM reconciler.progress) AS checked,
                        count(*)::int AS missing, min(m.occurred_at) AS oldest
                   FROM reconciler.missing_events m
                  WHERE NOT EXISTS (SELECT 1 FROM read.inbox p WHERE p.event_id = m.event_id)
                    AND NOT EXISTS (SELECT 1 FROM read.dead_letters d WHERE d.event_id = m.event_id)`);
    const row = rows[0]!;
    return { checkedThrough: Number(row.checked ?? 0), missing: row.missing, oldestMissing: row.oldest };
  } catch (err) {
    if (beforeMigrations(err)) return { checkedThrough: 0, missing: 0, oldestMissing: null };
    throw err;
  }
}

/**
 * Applied events that are not in the outbox log (the reconciler's inbox check, projector migration
 * 009), counted while their inbox entry exists; 0 before the projector has created that table.
 */
export async function unknownEvents(read: pg.Pool): Promise<number> {
  try {
    const { rows } = await read.query<{
      unknown: number;
    }>(/* sql */ `SELECT count(*)::int AS unknown FROM reconciler.unknown_events u
                 WHERE EXISTS (SELECT 1 FROM read.inbox p WHERE p.event_id = u.event_id)`);
    return rows[0]!.unknown;
  } catch (err) {
    if (beforeMigrations(err)) return 0;
    throw err;
  }
}

/** The schema or table does not exist yet: the projector has not migrated the read database. */
const beforeMigrations = (err: unknown) => ['3F000', '42P01'].includes((err as { code?: string }).code ?? '');
