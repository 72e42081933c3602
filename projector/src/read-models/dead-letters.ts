import type { ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import { deadLetterRecord } from '../dead-letters/dead-letter-record.ts';

/**
 * Notes a dead-lettered event in the read database before it is published to the DLQ, so the lag
 * inspector knows it is set aside rather than still on its way. Any message shape is accepted
 * (deadLetterRecord makes every value fit its column); messages without a usable id cannot be
 * matched to the outbox and are not noted.
 */
export async function recordDeadLetter(pool: pg.Pool, msg: ConsumeMessage, reason: string): Promise<void> {
  const record = deadLetterRecord(msg.properties.headers ?? {}, reason);
  if (!record) return;
  await pool.query(
    /* sql */ `INSERT INTO dead_letters (event_id, position, reason) VALUES ($1::uuid, $2::bigint, $3::text)
               ON CONFLICT (event_id) DO UPDATE SET reason = EXCLUDED.reason, dead_lettered_at = now()`,
    [record.eventId, record.position, record.reason],
  );
}
