import type pg from 'pg';

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
