import type { EventPayload, KnownEvent } from '@shop/shared/events';

export type OrderPlaced = EventPayload<'OrderPlaced'>;
export type OrderCancelled = EventPayload<'OrderCancelled'>;

/** The orders of a batch with their sign for the additive aggregates: +1 placed, -1 cancelled. */
export function signedOrders(events: readonly KnownEvent[]): { order: OrderPlaced | OrderCancelled; sign: 1 | -1 }[] {
  const orders: { order: OrderPlaced | OrderCancelled; sign: 1 | -1 }[] = [];
  for (const event of events) {
    if (event.type === 'OrderPlaced') orders.push({ order: event.payload, sign: 1 });
    else if (event.type === 'OrderCancelled') orders.push({ order: event.payload, sign: -1 });
  }
  return orders;
}

/** The entry of `key`, made with `initial` the first time. */
export function entry<K, V>(map: Map<K, V>, key: K, initial: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = initial();
    map.set(key, value);
  }
  return value;
}
