import { toCents } from '../money.ts';
import { eventVersions, type EventPayload, type EventType, type VersionedPayload } from './schemas.ts';

/**
 * The one place an event written in an older version becomes the current version's shape. The
 * decoder (envelope.ts) calls it after checking the payload against the schema of the version it
 * was written in, so every consumer (the live projector, the rebuild, anything reading the log
 * through decodeEvent or decodeOutboxRow) sees the current shape only; the event keeps the version
 * it was written in (KnownEvent.version).
 */

/** What the reader knows that an old event leaves unsaid: the shop's currency (SHOP_CURRENCY). */
export interface EventReader {
  /** ISO 4217 code: the currency of the amounts of events that do not name one (OrderPlaced v1, OrderCancelled). */
  shopCurrency: string;
}

/** One step, from version n to n + 1, of one type: keyed by type, then by the version it reads. */
const steps = {
  OrderPlaced: {
    // v1 amounts are decimal numbers with at most two decimals, in the shop's currency: toCents
    // turns each into the integer cents v2 carries, exactly as the projector summed them before.
    1: (v1: VersionedPayload<'OrderPlaced', 1>, reader: EventReader): VersionedPayload<'OrderPlaced', 2> => ({
      orderId: v1.orderId,
      customerId: v1.customerId,
      placedAt: v1.placedAt,
      currency: reader.shopCurrency,
      totalMinor: toCents(v1.total),
      items: v1.items.map((line) => ({
        productId: line.productId,
        category: line.category,
        quantity: line.quantity,
        unitPriceMinor: toCents(line.unitPrice),
        lineTotalMinor: toCents(line.lineTotal),
      })),
    }),
  },
} satisfies Partial<Record<EventType, Record<number, (payload: never, reader: EventReader) => unknown>>>;

type Step = (payload: unknown, reader: EventReader) => unknown;

/**
 * A payload of `version` (already valid against that version's schema) in the current version of
 * its type. A version at or past the current one is returned as it is (the decoder refuses newer
 * ones before); a missing step is a bug of this module and throws.
 */
export function upcast<T extends EventType>(type: T, version: number, payload: unknown, reader: EventReader): EventPayload<T> {
  const typeSteps: Partial<Record<number, Step>> = (steps as Partial<Record<EventType, Record<number, Step>>>)[type] ?? {};
  let shaped = payload;
  for (let v = version; v < eventVersions[type].current; v += 1) {
    const step = typeSteps[v];
    if (!step) throw new Error(`no upcaster of ${type} from version ${v}`);
    shaped = step(shaped, reader);
  }
  return shaped as EventPayload<T>;
}

/**
 * Why a read side that adds amounts up in `reader.shopCurrency` cannot take this event, or
 * undefined when it can. The read models sum amounts without a currency (revenue per category,
 * a customer's spend): an order in another currency would be added to them as if it were the
 * shop's, so it is parked with this reason instead, never summed and never converted.
 */
export function foreignCurrency<T extends EventType>(type: T, payload: EventPayload<T>, reader: EventReader): string | undefined {
  const currency = (payload as { currency?: unknown }).currency;
  if (currency === undefined || currency === reader.shopCurrency) return undefined;
  return `${type} is in ${String(currency)}, and this read side adds up amounts in ${reader.shopCurrency} (SHOP_CURRENCY) without converting`;
}
