import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_HEADERS } from '@shop/shared/messaging';
import { storableReason } from '@shop/shared/read-side';

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
