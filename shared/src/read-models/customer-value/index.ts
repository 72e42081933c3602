import type { KnownEvent } from '../../events/index.ts';
import type { ReadModel } from '../read-model.ts';
import { entry, signedOrders, totalCents } from '../signed-orders.ts';

type Value = { spentCents: number; orders: number };

/**
 * Spend and orders per customer, as additive deltas, and the last order date, which
 * projection.apply_customer_value recomputes from the projected orders (the newest not
 * cancelled): it reads the orders read model, so it is registered after it.
 */
export const customerValue: ReadModel = {
  name: 'customer-value',
  tables: ['customer_value'],
  handles: ['OrderPlaced', 'OrderCancelled'],
  applyFunction: 'projection.apply_customer_value',
  parameterTypes: ['int[]', 'bigint[]', 'int[]'],
  parameters(events) {
    const rows = [...valueDeltas(events)];
    return [rows.map(([id]) => id), rows.map(([, d]) => d.spentCents), rows.map(([, d]) => d.orders)];
  },
  checks: [
    {
      table: 'customer_value',
      write: /* sql */ `SELECT customer_id, sum(total)::numeric(18,2)::text, count(*)::int, max(placed_at)
                          FROM orders WHERE status = 'placed' GROUP BY customer_id ORDER BY customer_id`,
      read: /* sql */ `SELECT customer_id, total_spent::text, order_count, last_order_date FROM read.customer_value
                        WHERE order_count <> 0 OR total_spent <> 0 ORDER BY customer_id`,
    },
  ],
};

/** Each customer's change from the batch's orders. */
export function valueDeltas(events: readonly KnownEvent[]): Map<number, Value> {
  const deltas = new Map<number, Value>();
  for (const { order, sign } of signedOrders(events)) {
    const value = entry(deltas, order.customerId, () => ({ spentCents: 0, orders: 0 }));
    value.spentCents += sign * totalCents(order);
    value.orders += sign;
  }
  return deltas;
}
