import type { DecodeResult } from '@shop/shared/events';
import { isNotified, type NotifiedEvent } from '../delivery/notification.ts';
import type { InboxState } from '../inbox/inbox.ts';

/**
 * What becomes of one delivery, before any I/O (pure, unit-tested). Every plan but `dead-letter`
 * ends with the delivery acked once its row is in the inbox:
 * - `duplicate`: the inbox has the event already (delivered, parked, skipped or recorded): acked
 *   without a POST. This is how a redelivery after a crash is absorbed.
 * - `skip`: a type the notifier does not deliver (or does not know): recorded as skipped, so
 *   progress is complete.
 * - `notify`: POSTed (or, without a webhook, recorded) and then recorded.
 * - `park`: an OrderPlaced or OrderCancelled of a version this build cannot read: recorded as
 *   parked with the reason, never guessed at.
 * - `dead-letter`: not an event at all (no readable id): to the notifier's dead-letter queue.
 */
export type Plan =
  | { action: 'duplicate'; id: string; state: InboxState }
  | { action: 'skip'; id: string; type: string; position: number | null; occurredAt: Date | null }
  | { action: 'notify'; event: NotifiedEvent }
  | { action: 'park'; id: string; type: string; reason: string }
  | { action: 'dead-letter'; reason: string };

const NOTIFIED = new Set<string>(['OrderPlaced', 'OrderCancelled']);

export function planDelivery(decoded: DecodeResult, settled: ReadonlyMap<string, InboxState>): Plan {
  if (decoded.kind === 'invalid') return { action: 'dead-letter', reason: decoded.reason };
  const id = decoded.kind === 'event' ? decoded.event.id : decoded.id;
  const state = settled.get(id);
  if (state !== undefined) return { action: 'duplicate', id, state };
  if (decoded.kind === 'unsupported') {
    if (NOTIFIED.has(decoded.type)) return { action: 'park', id, type: decoded.type, reason: decoded.reason };
    // A type the notifier skips anyway (a newer version, a type it does not know): what it holds does not matter.
    return { action: 'skip', id, type: decoded.type, position: null, occurredAt: null };
  }
  const { event } = decoded;
  if (isNotified(event)) return { action: 'notify', event };
  return { action: 'skip', id, type: event.type, position: event.position, occurredAt: event.occurredAt };
}

/** The id every plan but a dead letter is about (to look the batch up in the inbox first). */
export function eventIdOf(decoded: DecodeResult): string | undefined {
  if (decoded.kind === 'event') return decoded.event.id;
  if (decoded.kind === 'unsupported') return decoded.id;
  return undefined;
}
