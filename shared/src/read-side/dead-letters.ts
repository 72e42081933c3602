import type pg from 'pg';
import { withTransaction } from '../db/index.ts';
import { deadLetterRecord } from './dead-letter-record.ts';
import { holdInboxWatermark } from './inbox.ts';

/**
 * The dead letters (`read.dead_letters`): events the projector set aside (parked) with the reason,
 * noted before the message goes to the DLQ, so the lag inspector and read-your-writes know they are
 * set aside rather than still on their way. A re-driven event that is then applied is also in the
 * inbox; retention forgets such notes below the pruning watermark (inbox-pruning.ts).
 */

/**
 * Notes a message being dead-lettered. Any message shape is accepted (deadLetterRecord makes every
 * value fit its column); messages without a usable id cannot be matched to the outbox and are not
 * noted. Nor is an event at or below the inbox's pruning watermark: that is a late duplicate of an
 * applied event, and a re-drive of it is skipped as one (a noted dead letter would let its
 * re-drive past the watermark).
 */
export async function noteDeadLetter(read: pg.Pool, headers: Record<string, unknown>, reason: string): Promise<void> {
  const record = deadLetterRecord(headers, reason);
  if (!record) return;
  await withTransaction(read, async (client) => {
    await holdInboxWatermark(client);
    await client.query(
      /* sql */ `INSERT INTO read.dead_letters (event_id, position, reason)
                 SELECT $1::uuid, $2::bigint, $3::text
                  WHERE $2::bigint IS NULL OR $2::bigint > coalesce((SELECT pruned_through FROM read.inbox_pruning), 0)
                 ON CONFLICT (event_id) DO UPDATE SET reason = EXCLUDED.reason, dead_lettered_at = now()`,
      [record.eventId, record.position, record.reason],
    );
  });
}

/**
 * Notes events a rebuild could not apply (unknown type, newer version, invalid), on the caller's
 * transaction in the schema it fills (useSchema): the running projector would park them too.
 */
export async function noteSkipped(client: pg.PoolClient, skipped: readonly { id: string; position: string; reason: string }[]) {
  await client.query(
    /* sql */ `INSERT INTO dead_letters (event_id, position, reason)
               SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[]) ON CONFLICT (event_id) DO NOTHING`,
    [skipped.map((r) => r.id), skipped.map((r) => r.position), skipped.map((r) => `skipped by rebuild: ${r.reason}`)],
  );
}

/** Which of these events are noted as dead letters, with the reason. */
export async function parkedAmong(read: pg.Pool, ids: readonly string[]): Promise<{ id: string; reason: string }[]> {
  const { rows } = await read.query<{ id: string; reason: string }>(
    /* sql */ `SELECT event_id::text AS id, reason FROM read.dead_letters WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return rows;
}
