import type { ChannelModel, ConfirmChannel, ConsumeMessage, GetMessage } from 'amqplib';
import { headerText } from '../events/headers.ts';
import { storableReason } from '../read-side/dead-letter-record.ts';
import { deadLetterQueueOf, type TopologyNames } from './topology.ts';

/**
 * The dead-letter queue on the broker: how a parked message is published to it (by the projector),
 * listed (the console, npm run dlq) and re-driven to its shard. The read side's note of each
 * parked event is in ../read-side/dead-letters.ts.
 */

/** Headers the projector adds to a message it parks (read back to list and re-drive it). */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-projector-reason',
  routingKey: 'x-original-routing-key',
  queue: 'x-original-queue',
  at: 'x-dead-lettered-at',
} as const;

export interface DeadLetter {
  eventId: string | undefined;
  eventType: string | undefined;
  routingKey: string | undefined;
  reason: string;
  deadLetteredAt: string | undefined;
  body: string;
}

/** x-death, as RabbitMQ writes it when it dead-letters by itself (delivery limit, rejection). */
type XDeath = { reason?: string; 'routing-keys'?: string[]; time?: { value?: number } }[];

export function describeDeadLetter(msg: GetMessage): DeadLetter {
  const headers = msg.properties.headers ?? {};
  const death = (headers['x-death'] as XDeath | undefined)?.[0];
  return {
    eventId: headerText(headers.id),
    eventType: headerText(headers.eventType),
    routingKey: headerText(headers[DEAD_LETTER_HEADERS.routingKey]) ?? death?.['routing-keys']?.[0],
    reason: headerText(headers[DEAD_LETTER_HEADERS.reason]) ?? `rabbitmq: ${death?.reason ?? 'unknown'}`,
    deadLetteredAt:
      headerText(headers[DEAD_LETTER_HEADERS.at]) ??
      (death?.time?.value ? new Date(death.time.value * 1000).toISOString() : undefined),
    body: msg.content.toString('utf8').slice(0, 500),
  };
}

/**
 * Takes every message now in the dead-letter queue (each at most once), or the first `max` of
 * them, lets `decide` settle it, and puts back whatever was not settled; returns how many the
 * queue held. Nothing is lost if the process dies midway: unsettled messages return to the queue
 * when the connection closes.
 */
export async function visitDeadLetters(
  connection: ChannelModel,
  names: TopologyNames,
  decide: (msg: GetMessage, channel: ConfirmChannel) => Promise<'keep' | 'settled'>,
  max = Infinity,
): Promise<number> {
  const channel = await connection.createConfirmChannel();
  const queue = deadLetterQueueOf(names);
  const { messageCount } = await channel.checkQueue(queue);
  const kept: GetMessage[] = [];
  for (let i = 0; i < Math.min(messageCount, max); i++) {
    const msg = await channel.get(queue, { noAck: false });
    if (!msg) break;
    if ((await decide(msg, channel)) === 'keep') kept.push(msg);
  }
  for (const msg of kept) channel.nack(msg, false, true);
  await channel.close();
  return messageCount;
}

/**
 * The first `max` dead letters and how many the queue holds, every one put back: a listing that
 * holds `max` messages in memory at most, however long the queue.
 */
export async function listDeadLetters(
  connection: ChannelModel,
  names: TopologyNames,
  max: number,
): Promise<{ total: number; items: DeadLetter[] }> {
  const items: DeadLetter[] = [];
  const total = await visitDeadLetters(
    connection,
    names,
    async (msg) => {
      items.push(describeDeadLetter(msg));
      return 'keep';
    },
    max,
  );
  return { total, items };
}

/** Publishes the dead letter back to the events exchange under its original routing key, then acks it. */
export async function redrive(channel: ConfirmChannel, names: TopologyNames, msg: GetMessage): Promise<boolean> {
  const routingKey = describeDeadLetter(msg).routingKey;
  if (!routingKey) return false;
  const headers = Object.fromEntries(Object.entries(msg.properties.headers ?? {}).filter(([key]) => !key.startsWith('x-')));
  await new Promise<void>((resolve, reject) =>
    channel.publish(names.exchange, routingKey, msg.content, { headers, persistent: true }, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  channel.ack(msg);
  return true;
}

/**
 * Re-drives the dead letters `wanted` picks and keeps the rest; returns every letter seen and how
 * many went back. With a `wanted` that picks none, it only lists (the CLI's `list`, the console's list).
 */
export async function redriveDeadLetters(
  connection: ChannelModel,
  names: TopologyNames,
  wanted: (letter: DeadLetter) => boolean,
): Promise<{ seen: DeadLetter[]; redriven: number }> {
  const seen: DeadLetter[] = [];
  let redriven = 0;
  await visitDeadLetters(connection, names, async (msg, channel) => {
    const letter = describeDeadLetter(msg);
    seen.push(letter);
    if (wanted(letter) && (await redrive(channel, names, msg))) {
      redriven++;
      return 'settled';
    }
    return 'keep';
  });
  return { seen, redriven };
}

/**
 * Publishes the message to the dead-letter exchange with the reason, and waits for the broker's
 * confirm; only then may the caller ack the original, so a dead letter is never lost in between.
 */
export async function publishDeadLetter(
  channel: ConfirmChannel,
  exchange: string,
  msg: ConsumeMessage,
  queue: string,
  reason: string,
): Promise<void> {
  const headers = {
    ...msg.properties.headers,
    // The same text as the note in dead_letters: bounded, and without what the broker or a reader would mangle.
    [DEAD_LETTER_HEADERS.reason]: storableReason(reason),
    [DEAD_LETTER_HEADERS.routingKey]: msg.fields.routingKey,
    [DEAD_LETTER_HEADERS.queue]: queue,
    [DEAD_LETTER_HEADERS.at]: new Date().toISOString(),
  };
  await new Promise<void>((resolve, reject) => {
    channel.publish(exchange, '', msg.content, { headers, persistent: true, contentType: msg.properties.contentType }, (err) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
    );
  });
}
