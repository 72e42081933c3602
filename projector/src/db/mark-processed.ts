import type pg from 'pg';

/** Inbox insert; false when the event was already applied (a duplicate delivery). */
export async function markProcessed(
  client: pg.PoolClient,
  event: { id: string; type: string; occurredAt: Date },
): Promise<boolean> {
  const result = await client.query(
    /* sql */ `INSERT INTO processed_events (event_id, event_type, occurred_at)
               VALUES ($1::uuid, $2::text, $3::timestamptz)
               ON CONFLICT (event_id) DO NOTHING`,
    [event.id, event.type, event.occurredAt],
  );
  return result.rowCount === 1;
}
