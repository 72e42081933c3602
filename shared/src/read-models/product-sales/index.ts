import type { KnownEvent } from '../../events/index.ts';
import type { ReadModel } from '../read-model.ts';
import { entry, lineTotalCents, signedOrders } from '../signed-orders.ts';

type Sales = { quantity: number; revenueCents: number; orders: number };

/** Quantity, revenue and orders per product, as additive deltas, negative for cancels (projection.apply_product_sales). */
export const productSales: ReadModel = {
  name: 'product-sales',
  tables: ['product_sales'],
  handles: ['OrderPlaced', 'OrderCancelled'],
  applyFunction: 'projection.apply_product_sales',
  parameterTypes: ['int[]', 'bigint[]', 'bigint[]', 'int[]'],
  parameters(events) {
    const rows = [...salesDeltas(events)];
    return [
      rows.map(([id]) => id),
      rows.map(([, d]) => d.quantity),
      rows.map(([, d]) => d.revenueCents),
      rows.map(([, d]) => d.orders),
    ];
  },
  checks: [
    {
      table: 'product_sales',
      write: /* sql */ `SELECT i.product_id, sum(i.quantity)::bigint, sum(i.line_total)::numeric(18,2)::text, count(*)::int
                          FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status = 'placed'
                         GROUP BY i.product_id ORDER BY i.product_id`,
      // Rows that net to zero (everything ordered was cancelled) stay on the read side as zeros.
      read: /* sql */ `SELECT product_id, quantity_sold, revenue::text, order_count FROM read.product_sales
                        WHERE order_count <> 0 OR quantity_sold <> 0 OR revenue <> 0 ORDER BY product_id`,
    },
  ],
};

/** Each product's change from the batch's orders; an order counts once per product. */
export function salesDeltas(events: readonly KnownEvent[]): Map<number, Sales> {
  const deltas = new Map<number, Sales>();
  for (const { order, sign } of signedOrders(events)) {
    for (const line of order.items) {
      const sales = entry(deltas, line.productId, () => ({ quantity: 0, revenueCents: 0, orders: 0 }));
      sales.quantity += sign * line.quantity;
      sales.revenueCents += sign * lineTotalCents(line);
      sales.orders += sign;
    }
  }
  return deltas;
}
