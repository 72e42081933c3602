import type pg from 'pg';
import { aggregateTypeOf, type KnownEvent } from '../events/index.ts';

/**
 * The inbox (`read.inbox`): every applied event, recorded in the transaction that applies it, so a
 * redelivered message changes nothing. `seq` is the order events were applied in, `position` the
 * event's place in the outbox log. Below the pruning watermark its entries are pruned
 * (inbox-pruning.ts).
 */

/**
 * Taken shared by every batch that records events in the inbox, exclusively by retention while it
 * raises the pruning watermark (inbox-pruning.ts): a batch that read the old watermark commits
 * before the rows below the new one are deleted, so no event can slip between the two checks (an
 * advisory lock: no row is written).
 */
export const PRUNING_LOCK = 0x1b0_c5e1;

/** Before an inbox or dead-letter write outside a batch: the watermark holds until commit. */
export async function holdInboxWatermark(client: pg.PoolClient): Promise<void> {
  await client.query(/* sql */ `SELECT pg_advisory_xact_lock_shared($1::bigint)`, [PRUNING_LOCK]);
}

/**
 * A batch's events as projection.admit_batch takes them (migration 011), in batch order: the inbox
 * admits the batch only if every event is new, and names those that are not.
 */
export function admissionParameters(events: readonly KnownEvent[]) {
  return [
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => aggregateTypeOf[e.type]),
    events.map((e) => e.aggregateId),
    events.map((e) => e.occurredAt),
    events.map((e) => e.position),
  ] as const;
}
export const ADMISSION_TYPES = ['uuid[]', 'text[]', 'text[]', 'text[]', 'timestamptz[]', 'bigint[]'] as const;

/** Which of these event ids are applied (in the inbox): read-your-writes waits for these. */
export async function appliedAmong(read: pg.Pool, ids: readonly string[]): Promise<Set<string>> {
  const { rows } = await read.query<{ id: string }>(
    /* sql */ `SELECT event_id::text AS id FROM read.inbox WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** Which of these event ids the projector has handled: applied (inbox) or parked (dead letters). */
export async function handledAmong(read: pg.Pool, ids: string[]): Promise<Set<string>> {
  const { rows } = await read.query<{ id: string }>(
    /* sql */ `SELECT event_id::text AS id FROM read.inbox WHERE event_id = ANY($1::uuid[])
               UNION SELECT event_id::text FROM read.dead_letters WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** An inbox entry, as the reconciler's inbox check reads it. */
export interface InboxEntry {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  occurredAt: Date;
  position: string | null;
  seq: number;
  appliedAt: Date;
}

/** Inbox entries after seq `after` up to `upTo` (inclusive), in the order they were applied, at most `limit` (the seq index). */
export async function inboxEntries(read: pg.Pool, args: { after: number; upTo: number; limit: number }): Promise<InboxEntry[]> {
  const { rows } = await read.query<{
    id: string;
    event_type: string;
    aggregate_type: string;
    aggregate_id: string;
    occurred_at: Date;
    position: string | null;
    seq: string;
    applied_at: Date;
  }>(
    /* sql */ `SELECT event_id::text AS id, event_type, aggregate_type, aggregate_id, occurred_at, position::text,
                      seq::text, applied_at
                 FROM read.inbox
                WHERE seq > $1::bigint AND seq <= $2::bigint
                ORDER BY seq LIMIT $3::int`,
    [args.after, args.upTo, args.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.event_type,
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    occurredAt: r.occurred_at,
    position: r.position,
    seq: Number(r.seq),
    appliedAt: r.applied_at,
  }));
}
