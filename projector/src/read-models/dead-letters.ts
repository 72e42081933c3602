import type { ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';
import { deadLetterRecord } from '../dead-letters/dead-letter-record.ts';
import { holdInboxWatermark } from './inbox.ts';

/**
 * Notes a dead-lettered event in the read database before it is published to the DLQ, so the lag
 * inspector knows it is set aside rather than still on its way. Any message shape is accepted
 * (deadLetterRecord makes every value fit its column); messages without a usable id cannot be
 * matched to the outbox and are not noted. Nor is an event at or below the inbox's pruning
 * watermark: that is a late duplicate of an applied event, and a re-drive of it is skipped as one
 * (a noted dead letter would let its re-drive past the watermark, read.inbox_pruning).
 */
export async function recordDeadLetter(pool: pg.Pool, msg: ConsumeMessage, reason: string): Promise<void> {
  const record = deadLetterRecord(msg.properties.headers ?? {}, reason);
  if (!record) return;
  await withTransaction(pool, async (client) => {
    await holdInboxWatermark(client);
    await client.query(
      /* sql */ `INSERT INTO dead_letters (event_id, position, reason)
                 SELECT $1::uuid, $2::bigint, $3::text
                  WHERE $2::bigint IS NULL OR $2::bigint > coalesce((SELECT pruned_through FROM inbox_pruning), 0)
                 ON CONFLICT (event_id) DO UPDATE SET reason = EXCLUDED.reason, dead_lettered_at = now()`,
      [record.eventId, record.position, record.reason],
    );
  });
}
