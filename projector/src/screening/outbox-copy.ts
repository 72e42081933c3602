import { isDeepStrictEqual } from 'node:util';
import type { DecodeResult, KnownEvent } from '@shop/shared/events';

/**
 * Whether a message is the write side's event it claims to be, from the event's outbox row
 * (decoded as the rebuild decodes it); undefined when it is, else what differs, as a
 * dead-letter reason.
 *
 * Why the outbox row and not the dead letter's own body: the outbox is what the write side
 * committed, whatever reached the broker first. A body stored at parking time would make the
 * first message parked under an id its reference: a forgery parked before the real event (any
 * invalid message carrying its id) would then get the real one refused.
 *
 * Compared: everything the read models take from an event (type, schema version, aggregate,
 * occurred-at, payload as decoded) and the position when the message carries one. Occurred-at to
 * within a millisecond: Debezium sends microseconds, and the decoder and node-postgres each cut
 * them to milliseconds their own way (node-postgres through a float, 0.289 s can become 288 ms).
 */
export function differenceFromOutbox(message: KnownEvent, outbox: DecodeResult | undefined): string | undefined {
  const notIt = (what: string) => `untrusted: not the outbox's event ${message.id}: ${what}`;
  if (!outbox) return notIt('no outbox event has this id');
  if (outbox.kind !== 'event') return notIt(`the outbox's event is ${outbox.kind} (${outbox.reason})`);
  const real = outbox.event;
  if (real.type !== message.type) return notIt(`its type is ${real.type}, the message's ${message.type}`);
  if (real.version !== message.version) return notIt(`its schema version is ${real.version}, the message's ${message.version}`);
  if (real.aggregateId !== message.aggregateId) return notIt('its aggregate id differs');
  if (Math.abs(real.occurredAt.getTime() - message.occurredAt.getTime()) > 1) {
    return notIt(`it occurred at ${real.occurredAt.toISOString()}, the message says ${message.occurredAt.toISOString()}`);
  }
  if (message.position !== null && real.position !== message.position) {
    return notIt(`its position is ${real.position}, the message's ${message.position}`);
  }
  if (!isDeepStrictEqual(real.payload, message.payload)) return notIt('its payload differs');
  return undefined;
}
