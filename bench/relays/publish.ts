import type { ConfirmChannel } from 'amqplib';

/** An outbox row as a relay reads it. */
export interface OutboxRow {
  id: string;
  type: string;
  schema_version: number;
  occurred_at: Date;
  aggregateid: string;
  route: string;
  position: string;
  payload: string;
}

/** The columns every relay selects, in the order `OutboxRow` names them. */
export const OUTBOX_COLUMNS = `id, type, schema_version, occurred_at, aggregateid, route, position::text AS position, payload::text AS payload`;

/**
 * Publishes rows exactly as Debezium's EventRouter does (routing key, JSON-quoted string headers,
 * persistent), so the same projector consumes them, and waits for the broker's confirms.
 */
export async function publishRows(channel: ConfirmChannel, exchange: string, rows: OutboxRow[]): Promise<void> {
  for (const row of rows) {
    channel.publish(exchange, `outbox.event.${row.route}`, Buffer.from(row.payload), {
      persistent: true,
      headers: {
        id: JSON.stringify(row.id),
        eventType: JSON.stringify(row.type),
        schemaVersion: String(row.schema_version),
        occurredAt: JSON.stringify(row.occurred_at.toISOString()),
        aggregateId: JSON.stringify(row.aggregateid),
        position: String(row.position),
      },
    });
  }
  await channel.waitForConfirms();
}
