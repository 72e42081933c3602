import type { EventPayload, KnownEvent } from '../../events/index.ts';
import { centsToNumeric, toCents } from '../../money.ts';
import type { ReadModel } from '../read-model.ts';

type ProductState = { product: EventPayload<'ProductCreated'>; occurredAt: Date };

/**
 * The catalog: the latest state of each product. Both product events carry the full state, and an
 * older state never overwrites a newer one (projection.apply_products, migration 011).
 */
export const products: ReadModel = {
  name: 'products',
  tables: ['products'],
  handles: ['ProductCreated', 'ProductUpdated'],
  applyFunction: 'projection.apply_products',
  parameterTypes: ['int[]', 'text[]', 'text[]', 'numeric[]', 'int[]', 'timestamptz[]'],
  parameters(events) {
    const rows = [...latestStates(events).values()];
    return [
      rows.map((r) => r.product.productId),
      rows.map((r) => r.product.name),
      rows.map((r) => r.product.category),
      rows.map((r) => centsToNumeric(toCents(r.product.price))),
      rows.map((r) => r.product.stock),
      rows.map((r) => r.occurredAt),
    ];
  },
  checks: [
    {
      table: 'products',
      write: /* sql */ `SELECT id, name, category, price::text, stock FROM products ORDER BY id`,
      read: /* sql */ `SELECT product_id, name, category, price::text, stock FROM read.products ORDER BY product_id`,
    },
  ],
};

/** The newest state of each product of the batch, by occurred-at. */
export function latestStates(events: readonly KnownEvent[]): Map<number, ProductState> {
  const latest = new Map<number, ProductState>();
  for (const event of events) {
    if (event.type !== 'ProductCreated' && event.type !== 'ProductUpdated') continue;
    const current = latest.get(event.payload.productId);
    if (!current || current.occurredAt <= event.occurredAt) {
      latest.set(event.payload.productId, { product: event.payload, occurredAt: event.occurredAt });
    }
  }
  return latest;
}
