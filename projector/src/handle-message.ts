import type { ConsumeMessage } from 'amqplib';
import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';
import { decodeEvent } from '@shop/shared/events';
import type { Logger } from '@shop/shared/log';
import { applyEvent } from './apply-event.ts';
import type { MessageHandler } from './messaging/consumer.ts';
import type { ProjectorStats } from './stats.ts';

/**
 * Decode, then inbox + projection in one transaction. Undecodable and not-yet-understood events
 * go to the dead-letter queue at once (retrying cannot fix them); a failing transaction is
 * requeued and RabbitMQ's delivery limit dead-letters it if it keeps failing.
 */
export function createMessageHandler(pool: pg.Pool, log: Logger, stats: ProjectorStats): MessageHandler {
  return async (msg: ConsumeMessage) => {
    const decoded = decodeEvent(msg.properties.headers ?? {}, msg.content);
    if (decoded.kind !== 'event') {
      log.warn({ routingKey: msg.fields.routingKey, reason: decoded.reason }, 'dead-lettering message');
      stats.deadLettered++;
      return 'dead-letter';
    }
    const { event } = decoded;
    try {
      const outcome = await withTransaction(pool, (client) => applyEvent(client, event));
      if (outcome === 'duplicate') stats.duplicates++;
      else stats.processed++;
      stats.lastEventId = event.id;
      stats.lastEventAt = event.occurredAt;
      log.debug({ eventId: event.id, type: event.type, outcome }, 'event handled');
      return 'ack';
    } catch (err) {
      log.error({ err, eventId: event.id, type: event.type }, 'projection failed; requeueing');
      return 'requeue';
    }
  };
}
