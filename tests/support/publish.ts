import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import type { StackConfig } from '../../infra/src/stack-config.ts';
import { connect } from './clients.ts';
import { ROUTED_SHARD_COUNT_SQL } from './shard-queues.ts';

/**
 * The routing keys Debezium uses for these aggregates' new events, outbox.event.<type>.<shard>,
 * with the shard computed by the same expression and count as the outbox trigger, in one query.
 */
async function routingKeysOf(stack: StackConfig, events: Pick<RawEvent, 'aggregateType' | 'aggregateId'>[]): Promise<string[]> {
  const client = await connect(stack, stack.WRITE_DB_NAME);
  try {
    const { rows } = await client.query(
      `SELECT t || '.' || (abs(hashtextextended(t || ':' || i, 0)) % ${ROUTED_SHARD_COUNT_SQL}) AS route
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS a(t, i, n) ORDER BY n`,
      [events.map((e) => e.aggregateType), events.map((e) => e.aggregateId)],
    );
    return rows.map((r) => `outbox.event.${r.route}`);
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
  const routingKeys = await routingKeysOf(stack, events);
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const channel = await connection.createConfirmChannel();
    for (const [i, e] of events.entries()) {
      const headers = {
        id: JSON.stringify(e.id ?? randomUUID()),
        eventType: JSON.stringify(e.type),
        schemaVersion: String(e.schemaVersion ?? 1),
        occurredAt: JSON.stringify(e.occurredAt ?? new Date().toISOString()),
        aggregateId: JSON.stringify(e.aggregateId),
      };
      channel.publish(
        stack.EVENTS_EXCHANGE,
        routingKeys[i]!,
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

export interface RawMessage {
  /** Only for the routing key: the shard of this aggregate, as Debezium would route its events. */
  aggregateType: string;
  aggregateId: string;
  /** Any AMQP header values at all, sent as they are (amqplib picks the field types). */
  headers: Record<string, unknown>;
  body: Buffer;
}

/**
 * Publishes messages with arbitrary headers and bodies to the shard of the given aggregate, with
 * confirms, in order: for messages no real producer would send (hostile input to the projector).
 */
export async function publishMessages(stack: StackConfig, messages: RawMessage[]): Promise<void> {
  const routingKeys = await routingKeysOf(stack, messages);
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const channel = await connection.createConfirmChannel();
    for (const [i, m] of messages.entries()) {
      channel.publish(stack.EVENTS_EXCHANGE, routingKeys[i]!, m.body, { headers: m.headers, persistent: true });
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** Headers as Debezium's EventRouter sets them (JSON-quoted text), for an event no outbox row has. */
export function debeziumHeaders(id: string, aggregateId: string, overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    id: JSON.stringify(id),
    eventType: '"ProductCreated"',
    schemaVersion: '1',
    occurredAt: JSON.stringify(new Date().toISOString()),
    aggregateId: JSON.stringify(aggregateId),
    position: '1',
    ...overrides,
  };
}

/** One connection to the stack's broker (as its admin) for the time of `fn`. */
export async function withBroker<T>(stack: StackConfig, fn: (connection: amqp.ChannelModel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}
