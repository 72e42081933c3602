import type { KnownEvent } from '../../events/index.ts';
import type { ReadModel } from '../read-model.ts';
import { lineTotalCents, totalCents, unitPriceCents, type OrderCancelled, type OrderPlaced } from '../signed-orders.ts';

/**
 * Orders, their lines, and sales per UTC hour of placement (projection.apply_orders, migration
 * 011). Hourly sales are derived in SQL from the order rows as they are written, so that a
 * placement and its cancel net out in any order (a cancel seen first keeps the order's status):
 * they depend on the order rows between the placements and the cancels, so they are part of this
 * read model.
 */
export const orders: ReadModel = {
  name: 'orders',
  tables: ['orders', 'order_items', 'hourly_sales'],
  handles: ['OrderPlaced', 'OrderCancelled'],
  applyFunction: 'projection.apply_orders',
  parameterTypes: [
    ...['int[]', 'int[]', 'bigint[]', 'timestamptz[]', 'bigint[]'],
    ...['int[]', 'int[]', 'bigint[]', 'timestamptz[]', 'bigint[]'],
    ...['int[]', 'int[]', 'text[]', 'int[]', 'bigint[]', 'bigint[]'],
  ],
  parameters(events) {
    const { placements, cancellations } = ordersOf(events);
    return [
      ...orderColumns(placements, (o) => o.placedAt),
      ...orderColumns(cancellations, (o) => o.cancelledAt),
      ...lineColumns([...placements, ...cancellations]),
    ];
  },
  checks: [
    {
      table: 'orders',
      write: /* sql */ `SELECT id, customer_id, status, total::text, placed_at, cancelled_at FROM orders ORDER BY id`,
      read: /* sql */ `SELECT order_id, customer_id, status, total::text, placed_at, cancelled_at
                         FROM read.orders ORDER BY order_id`,
    },
    {
      table: 'order_items',
      write: /* sql */ `SELECT order_id, product_id, category, quantity, unit_price::text, line_total::text
                          FROM order_items ORDER BY order_id, product_id`,
      read: /* sql */ `SELECT order_id, product_id, category, quantity, unit_price::text, line_total::text
                         FROM read.order_items ORDER BY order_id, product_id`,
    },
    {
      table: 'hourly_sales',
      write: /* sql */ `SELECT date_trunc('hour', o.placed_at, 'UTC'), sum(o.total)::numeric(18,2)::text, count(*)::int,
                               sum((SELECT sum(quantity) FROM order_items i WHERE i.order_id = o.id))::bigint
                          FROM orders o WHERE o.status = 'placed' GROUP BY 1 ORDER BY 1`,
      read: /* sql */ `SELECT hour, revenue::text, order_count, items_sold FROM read.hourly_sales
                        WHERE order_count <> 0 OR revenue <> 0 OR items_sold <> 0 ORDER BY hour`,
    },
  ],
};

/** The batch's placements and cancels, each in batch order. */
export function ordersOf(events: readonly KnownEvent[]) {
  const placements: OrderPlaced[] = [];
  const cancellations: OrderCancelled[] = [];
  for (const event of events) {
    if (event.type === 'OrderPlaced') placements.push(event.payload);
    else if (event.type === 'OrderCancelled') cancellations.push(event.payload);
  }
  return { placements, cancellations };
}

/** An order row's columns, with the items sold for hourly sales; `at` is when it was placed or cancelled. */
function orderColumns<T extends OrderPlaced | OrderCancelled>(rows: T[], at: (order: T) => string) {
  return [
    rows.map((o) => o.orderId),
    rows.map((o) => o.customerId),
    rows.map((o) => totalCents(o)),
    rows.map(at),
    rows.map((o) => o.items.reduce((n, l) => n + l.quantity, 0)),
  ];
}

/** The lines of placed and cancelled orders (a cancel brings them in case the placement is not seen yet). */
function lineColumns(rows: (OrderPlaced | OrderCancelled)[]) {
  const lines = rows.flatMap((o) => o.items.map((l) => ({ orderId: o.orderId, ...l })));
  return [
    lines.map((l) => l.orderId),
    lines.map((l) => l.productId),
    lines.map((l) => l.category),
    lines.map((l) => l.quantity),
    lines.map((l) => unitPriceCents(l)),
    lines.map((l) => lineTotalCents(l)),
  ];
}
