import type { KnownEvent } from '../../events/index.ts';
import type { ReadModel } from '../read-model.ts';
import { entry, lineTotalCents, signedOrders } from '../signed-orders.ts';

type Revenue = { revenueCents: number; orders: number };

/** Revenue and orders per category, as additive deltas, negative for cancels (projection.apply_category_revenue). */
export const categoryRevenue: ReadModel = {
  name: 'category-revenue',
  tables: ['category_revenue'],
  handles: ['OrderPlaced', 'OrderCancelled'],
  applyFunction: 'projection.apply_category_revenue',
  parameterTypes: ['text[]', 'bigint[]', 'int[]'],
  parameters(events) {
    const rows = [...revenueDeltas(events)];
    return [rows.map(([category]) => category), rows.map(([, d]) => d.revenueCents), rows.map(([, d]) => d.orders)];
  },
  checks: [
    {
      table: 'category_revenue',
      write: /* sql */ `SELECT i.category, sum(i.line_total)::numeric(18,2)::text, count(DISTINCT i.order_id)::int
                          FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status = 'placed'
                         GROUP BY i.category ORDER BY i.category`,
      read: /* sql */ `SELECT category, revenue::text, order_count FROM read.category_revenue
                        WHERE order_count <> 0 OR revenue <> 0 ORDER BY category`,
    },
  ],
};

/** Each category's change from the batch's orders; an order counts once per category. */
export function revenueDeltas(events: readonly KnownEvent[]): Map<string, Revenue> {
  const deltas = new Map<string, Revenue>();
  for (const { order, sign } of signedOrders(events)) {
    const centsByCategory = new Map<string, number>();
    for (const line of order.items) {
      centsByCategory.set(line.category, (centsByCategory.get(line.category) ?? 0) + lineTotalCents(line));
    }
    for (const [category, cents] of centsByCategory) {
      const revenue = entry(deltas, category, () => ({ revenueCents: 0, orders: 0 }));
      revenue.revenueCents += sign * cents;
      revenue.orders += sign;
    }
  }
  return deltas;
}
