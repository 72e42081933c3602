import type { EventPayload, KnownEvent } from '../events/index.ts';
import { toCents } from '../money.ts';

export type OrderPlaced = EventPayload<'OrderPlaced'>;
export type OrderCancelled = EventPayload<'OrderCancelled'>;

type Line = (OrderPlaced | OrderCancelled)['items'][number];

/** In cents: OrderPlaced (v2, upcast from v1 by the decoder) carries them; OrderCancelled (v1) decimal amounts. */
export const totalCents = (order: OrderPlaced | OrderCancelled) =>
  'totalMinor' in order ? order.totalMinor : toCents(order.total);
export const unitPriceCents = (line: Line) => ('unitPriceMinor' in line ? line.unitPriceMinor : toCents(line.unitPrice));
export const lineTotalCents = (line: Line) => ('lineTotalMinor' in line ? line.lineTotalMinor : toCents(line.lineTotal));

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
