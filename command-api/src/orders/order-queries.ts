import type pg from 'pg';
import type { PricedLine } from './price-order.ts';

export interface OrderRow {
  id: number;
  customer_id: number;
  status: 'placed' | 'cancelled';
  total: string;
  placed_at: Date;
  cancelled_at: Date | null;
}

export interface OrderItemRow {
  product_id: number;
  category: string;
  quantity: number;
  unit_price: string;
  line_total: string;
}

export async function insertOrder(client: pg.PoolClient, customerId: number, total: string): Promise<OrderRow> {
  const { rows } = await client.query<OrderRow>(
    /* sql */ `INSERT INTO orders (customer_id, status, total) VALUES ($1::int, 'placed', $2::numeric)
               RETURNING id, customer_id, status, total::text AS total, placed_at, cancelled_at`,
    [customerId, total],
  );
  return rows[0]!;
}

export async function insertOrderItems(client: pg.PoolClient, orderId: number, lines: PricedLine[]): Promise<void> {
  await client.query(
    /* sql */ `INSERT INTO order_items (order_id, product_id, category, quantity, unit_price, line_total)
               SELECT $1::int, l.product_id, l.category, l.quantity, l.unit_cents / 100.0, l.line_cents / 100.0
                 FROM unnest($2::int[], $3::text[], $4::int[], $5::bigint[], $6::bigint[])
                   AS l(product_id, category, quantity, unit_cents, line_cents)`,
    [
      orderId,
      lines.map((l) => l.productId),
      lines.map((l) => l.category),
      lines.map((l) => l.quantity),
      lines.map((l) => l.unitPriceCents),
      lines.map((l) => l.lineTotalCents),
    ],
  );
}

export async function lockOrder(client: pg.PoolClient, orderId: number): Promise<OrderRow | undefined> {
  const { rows } = await client.query<OrderRow>(
    /* sql */ `SELECT id, customer_id, status, total::text AS total, placed_at, cancelled_at
                 FROM orders WHERE id = $1::int FOR UPDATE`,
    [orderId],
  );
  return rows[0];
}

export async function orderItems(client: pg.PoolClient, orderId: number): Promise<OrderItemRow[]> {
  const { rows } = await client.query<OrderItemRow>(
    /* sql */ `SELECT product_id, category, quantity, unit_price::text AS unit_price, line_total::text AS line_total
                 FROM order_items WHERE order_id = $1::int ORDER BY product_id`,
    [orderId],
  );
  return rows;
}

export async function markCancelled(client: pg.PoolClient, orderId: number): Promise<Date> {
  const { rows } = await client.query<{ cancelled_at: Date }>(
    /* sql */ `UPDATE orders SET status = 'cancelled', cancelled_at = date_trunc('milliseconds', now())
                WHERE id = $1::int RETURNING cancelled_at`,
    [orderId],
  );
  return rows[0]!.cancelled_at;
}
