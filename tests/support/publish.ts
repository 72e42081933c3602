import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { connect } from './clients.ts';

/** The routing key Debezium uses for an aggregate: outbox.event.<type>.<shard>, shard as the outbox trigger computes it. */
export async function routingKeyOf(stack: StackConfig, aggregateType: string, aggregateId: string): Promise<string> {
  const client = await connect(stack, stack.WRITE_DB_NAME);
  try {
    const { rows } = await client.query(`SELECT abs(hashtextextended($1::text || ':' || $2::text, 0)) % 8 AS shard`, [
      aggregateType,
      aggregateId,
    ]);
    return `outbox.event.${aggregateType}.${rows[0].shard}`;
  } finally {
    await client.end();
  }
}

export interface RawEvent {
  id?: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: unknown;
  schemaVersion?: number;
  occurredAt?: string;
}

/**
 * Publishes messages shaped exactly like Debezium's (JSON-encoded header values, payload JSON
 * body, routing key outbox.event.<aggregatetype>.<shard>) straight to the stack's exchange, with confirms.
 */
export async function publishRaw(stack: StackConfig, events: RawEvent[]): Promise<void> {
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const channel = await connection.createConfirmChannel();
    for (const e of events) {
      const headers = {
        id: JSON.stringify(e.id ?? randomUUID()),
        eventType: JSON.stringify(e.type),
        schemaVersion: String(e.schemaVersion ?? 1),
        occurredAt: JSON.stringify(e.occurredAt ?? new Date().toISOString()),
        aggregateId: JSON.stringify(e.aggregateId),
      };
      const routingKey = await routingKeyOf(stack, e.aggregateType, e.aggregateId);
      channel.publish(
        stack.EVENTS_EXCHANGE,
        routingKey,
        Buffer.from(typeof e.payload === 'string' ? e.payload : JSON.stringify(e.payload)),
        {
          headers,
          persistent: true,
        },
      );
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}
