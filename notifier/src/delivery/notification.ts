import type { KnownEvent } from '@shop/shared/events';

/** The event types the notifier delivers; every other type is recorded as skipped. */
export const NOTIFIED_TYPES = ['OrderPlaced', 'OrderCancelled'] as const;
export type NotifiedType = (typeof NOTIFIED_TYPES)[number];
export type NotifiedEvent = Extract<KnownEvent, { type: NotifiedType }>;

export const isNotified = (event: KnownEvent): event is NotifiedEvent =>
  (NOTIFIED_TYPES as readonly string[]).includes(event.type);

/**
 * The webhook's body (docs/contract.md, "Notifications"): the same bytes for every attempt and a
 * re-drive (they are signed, and stored), fields in this order. The payload is the event's as
 * @shop/shared/events decoded it, the current version's shape whatever version was written.
 */
export function notificationBody(event: NotifiedEvent): string {
  return JSON.stringify({
    eventId: event.id,
    type: event.type,
    version: event.version,
    orderId: event.payload.orderId,
    customerId: event.payload.customerId,
    occurredAt: event.occurredAt.toISOString(),
    position: event.position,
    payload: event.payload,
  });
}
