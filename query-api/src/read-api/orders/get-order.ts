import type pg from 'pg';
import { centsFromNumeric, fromCents } from '@shop/shared/money';

const money = (text: string) => fromCents(centsFromNumeric(text));

/** The order, or undefined; on a pool, or on a client whose tables are time travel's scratch copies (as-of/). */
export async function getOrder(db: pg.Pool | pg.PoolClient, orderId: number) {
  const { rows } = await db.query<{
    order_id: number;
    customer_id: number;
    status: 'placed' | 'cancelled';
    total: string;
    placed_at: Date | null;
    cancelled_at: Date | null;
  }>(
    /* sql */ `SELECT order_id, customer_id, status, total::text AS total, placed_at, cancelled_at
                 FROM orders WHERE order_id = $1::int`,
    [orderId],
  );
  const order = rows[0];
  if (!order) return undefined;
  const items = await db.query<{
    product_id: number;
    category: string;
    quantity: number;
    unit_price: string;
    line_total: string;
  }>(
    /* sql */ `SELECT product_id, category, quantity, unit_price::text AS unit_price, line_total::text AS line_total
                 FROM order_items WHERE order_id = $1::int ORDER BY product_id`,
    [orderId],
  );
  return {
    orderId: order.order_id,
    customerId: order.customer_id,
    status: order.status,
    total: money(order.total),
    items: items.rows.map((i) => ({
      productId: i.product_id,
      category: i.category,
      quantity: i.quantity,
      unitPrice: money(i.unit_price),
      lineTotal: money(i.line_total),
    })),
    placedAt: order.placed_at?.toISOString() ?? null,
    cancelledAt: order.cancelled_at?.toISOString() ?? null,
  };
}
