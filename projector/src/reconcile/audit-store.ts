import type pg from 'pg';
import type { OutboxEntry } from './audit-window.ts';
import type { InboxEntry } from './inbox-window.ts';

/** Reconciler state and findings in the read database (schema `audit`, see migration 003). */

/** The highest outbox position applied on each shard (kept by the projector's batch transactions). */
export async function appliedPositions(read: pg.Pool): Promise<Map<number, number>> {
  const { rows } = await read.query<{ bucket: number; max: string | null }>(
    /* sql */ `SELECT bucket, max_position::text AS max FROM read.inbox_counts WHERE max_position IS NOT NULL`,
  );
  return new Map(rows.map((r) => [r.bucket, Number(r.max)]));
}

/** Records a window's findings and its new position in one transaction. */
export async function saveWindow(client: pg.PoolClient, args: { checkedThrough: number; missing: OutboxEntry[] }): Promise<void> {
  await client.query(
    /* sql */ `INSERT INTO audit.missing_events (event_id, position, occurred_at)
               SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[])
               ON CONFLICT (event_id) DO NOTHING`,
    [args.missing.map((m) => m.id), args.missing.map((m) => m.position), args.missing.map((m) => m.occurredAt)],
  );
  await client.query(
    /* sql */ `UPDATE audit.reconciler SET checked_through = greatest(checked_through, $1::bigint), checked_at = now()`,
    [args.checkedThrough],
  );
}

/** Forgets missing events that have been handled since (healed, re-driven, arrived late). */
export async function forgetHandled(read: pg.Pool): Promise<number> {
  const { rowCount } = await read.query(/* sql */ `DELETE FROM audit.missing_events m
                WHERE EXISTS (SELECT 1 FROM read.processed_events p WHERE p.event_id = m.event_id)
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
    /* sql */ `SELECT event_id::text AS id, position::text, occurred_at, heal_requests FROM audit.missing_events
                WHERE heal_requested_at IS NULL OR heal_requested_at < now() - make_interval(secs => $1::float8 / 1000)
                ORDER BY position LIMIT $2::int`,
    [args.retryMs, args.limit],
  );
  return rows.map((r) => ({ id: r.id, position: Number(r.position), occurredAt: r.occurred_at, healRequests: r.heal_requests }));
}

export async function markHealRequested(read: pg.Pool, ids: string[]): Promise<void> {
  await read.query(
    /* sql */ `UPDATE audit.missing_events SET heal_requests = heal_requests + 1, heal_requested_at = now()
                WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
}

/** How far the inbox has been checked against the outbox log, and in which inbox table (migration 009). */
export async function inboxCheckPosition(read: pg.Pool): Promise<{ table: string | null; checkedThrough: number }> {
  const { rows } = await read.query<{ table: string | null; checked: string }>(
    /* sql */ `SELECT inbox_table::text AS table, checked_through::text AS checked FROM audit.inbox_check`,
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
    /* sql */ `INSERT INTO audit.unknown_events (event_id, event_type, aggregate_type, aggregate_id, occurred_at, position)
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
    /* sql */ `UPDATE audit.inbox_check SET inbox_table = $1::oid, checked_through = $2::bigint, checked_at = now()`,
    [args.table, args.checkedThrough],
  );
}

/** Forgets unknown events whose inbox entry is gone (a rebuild from the outbox, or an operator removed it). */
export async function forgetUnknownGone(read: pg.Pool): Promise<number> {
  const { rowCount } = await read.query(/* sql */ `DELETE FROM audit.unknown_events u
                WHERE NOT EXISTS (SELECT 1 FROM read.processed_events p WHERE p.event_id = u.event_id)`);
  return rowCount ?? 0;
}
