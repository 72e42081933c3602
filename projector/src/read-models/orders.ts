import type pg from 'pg';
import { toCents } from '@shop/shared/money';
import type { OrderCancelled, OrderPlaced } from '../projection/plan.ts';

/** Placements: the order row (a cancel seen first keeps its status) and its lines. */
export async function upsertPlacedOrders(client: pg.PoolClient, orders: OrderPlaced[]): Promise<void> {
  if (orders.length === 0) return;
  await client.query(
    /* sql */ `INSERT INTO orders AS t (order_id, customer_id, status, total, placed_at)
               SELECT o.id, o.customer_id, 'placed', o.cents / 100.0, o.placed_at
                 FROM unnest($1::int[], $2::int[], $3::bigint[], $4::timestamptz[]) AS o(id, customer_id, cents, placed_at)
               ON CONFLICT (order_id) DO UPDATE SET placed_at = EXCLUDED.placed_at, total = EXCLUDED.total`,
    [
      orders.map((o) => o.orderId),
      orders.map((o) => o.customerId),
      orders.map((o) => toCents(o.total)),
      orders.map((o) => o.placedAt),
    ],
  );
  await insertOrderLines(client, orders);
}

/** Cancels: the status and time, and the lines too in case the placement has not been seen yet. */
export async function upsertCancelledOrders(client: pg.PoolClient, orders: OrderCancelled[]): Promise<void> {
  if (orders.length === 0) return;
  await client.query(
    /* sql */ `INSERT INTO orders AS t (order_id, customer_id, status, total, cancelled_at)
               SELECT o.id, o.customer_id, 'cancelled', o.cents / 100.0, o.cancelled_at
                 FROM unnest($1::int[], $2::int[], $3::bigint[], $4::timestamptz[]) AS o(id, customer_id, cents, cancelled_at)
               ON CONFLICT (order_id) DO UPDATE SET status = 'cancelled', cancelled_at = EXCLUDED.cancelled_at`,
    [
      orders.map((o) => o.orderId),
      orders.map((o) => o.customerId),
      orders.map((o) => toCents(o.total)),
      orders.map((o) => o.cancelledAt),
    ],
  );
  await insertOrderLines(client, orders);
}

async function insertOrderLines(client: pg.PoolClient, orders: (OrderPlaced | OrderCancelled)[]) {
  const lines = orders.flatMap((o) => o.items.map((l) => ({ orderId: o.orderId, ...l })));
  await client.query(
    /* sql */ `INSERT INTO order_items (order_id, product_id, category, quantity, unit_price, line_total)
               SELECT l.order_id, l.product_id, l.category, l.quantity, l.unit_cents / 100.0, l.line_cents / 100.0
                 FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::bigint[], $6::bigint[])
                   AS l(order_id, product_id, category, quantity, unit_cents, line_cents)
               ON CONFLICT (order_id, product_id) DO NOTHING`,
    [
      lines.map((l) => l.orderId),
      lines.map((l) => l.productId),
      lines.map((l) => l.category),
      lines.map((l) => l.quantity),
      lines.map((l) => toCents(l.unitPrice)),
      lines.map((l) => toCents(l.lineTotal)),
    ],
  );
}
