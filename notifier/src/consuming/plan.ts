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
  | { action: 'duplicate'; id: string; state: InboxState | 'earlier in this batch' }
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

/**
 * The plans of one batch, in order. A second copy of an event in the same batch (Debezium's
 * redelivery after a restart, a re-sent message) is a `duplicate` of the first: the inbox was
 * looked up once, before the batch, and does not hold it yet, so without this both copies would be
 * POSTed.
 */
export function planBatch(decoded: readonly DecodeResult[], settled: ReadonlyMap<string, InboxState>): Plan[] {
  const inBatch = new Set<string>();
  return decoded.map((one) => {
    const id = eventIdOf(one);
    if (id !== undefined && inBatch.has(id) && !settled.has(id)) {
      return { action: 'duplicate', id, state: 'earlier in this batch' };
    }
    if (id !== undefined) inBatch.add(id);
    return planDelivery(one, settled);
  });
}

/** The id every plan but a dead letter is about (to look the batch up in the inbox first). */
export function eventIdOf(decoded: DecodeResult): string | undefined {
  if (decoded.kind === 'event') return decoded.event.id;
  if (decoded.kind === 'unsupported') return decoded.id;
  return undefined;
}
