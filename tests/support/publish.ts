import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import type { StackConfig } from '../../infra/src/stack-config.ts';

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
 * body, routing key outbox.event.<aggregatetype>) straight to the stack's exchange, with confirms.
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
      channel.publish(stack.EVENTS_EXCHANGE, `outbox.event.${e.aggregateType}`, Buffer.from(JSON.stringify(e.payload)), {
        headers,
        persistent: true,
      });
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}
