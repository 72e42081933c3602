import type { NewEvent } from '../outbox/append-event.ts';
import { toProductPayload, type ProductRow } from './product-row.ts';

/** ProductUpdated with the full new state of each product whose stock an order changed. */
export function productUpdates(products: ProductRow[]): NewEvent[] {
  return products.map((p) => ({ type: 'ProductUpdated', aggregateId: p.id, payload: toProductPayload(p) }));
}
