import type { ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import { HEADERS, headerText } from '@shop/shared/events';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Notes a dead-lettered event in the read database before it is published to the DLQ, so the lag
 * inspector knows it is set aside rather than still on its way. Messages without a usable id
 * cannot be matched to the outbox and are not noted.
 */
export async function recordDeadLetter(pool: pg.Pool, msg: ConsumeMessage, reason: string): Promise<void> {
  const headers = msg.properties.headers ?? {};
  const eventId = headerText(headers[HEADERS.eventId]);
  if (!eventId || !UUID.test(eventId)) return;
  const position = Number(headerText(headers[HEADERS.position]));
  await pool.query(
    /* sql */ `INSERT INTO dead_letters (event_id, position, reason) VALUES ($1::uuid, $2::bigint, $3::text)
               ON CONFLICT (event_id) DO UPDATE SET reason = EXCLUDED.reason, dead_lettered_at = now()`,
    [eventId, Number.isInteger(position) && position > 0 ? position : null, reason],
  );
}
