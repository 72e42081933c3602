import type pg from 'pg';
import { toCents } from '@shop/shared/money';
import type { OrderCancelled, OrderPlaced } from '../projection/plan.ts';

/**
 * Hourly sales by the UTC hour of placement. Run after the orders are written: a placement counts
 * only if its order is not cancelled (a cancel seen first), and a cancel subtracts only from an
 * order whose placement is known, so any interleaving nets out.
 */
export async function addPlacedHours(client: pg.PoolClient, orders: OrderPlaced[]): Promise<void> {
  await applyHourly(client, orders, +1, 'placed');
}

export async function subtractCancelledHours(client: pg.PoolClient, orders: OrderCancelled[]): Promise<void> {
  await applyHourly(client, orders, -1, 'cancelled');
}

async function applyHourly(client: pg.PoolClient, orders: (OrderPlaced | OrderCancelled)[], sign: 1 | -1, status: string) {
  if (orders.length === 0) return;
  await client.query(
    /* sql */ `INSERT INTO hourly_sales AS t (hour, revenue, order_count, items_sold)
               SELECT date_trunc('hour', o.placed_at, 'UTC'), sum(d.cents) / 100.0 * $5::int, count(*) * $5::int, sum(d.items) * $5::int
                 FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS d(order_id, cents, items)
                 JOIN orders o ON o.order_id = d.order_id
                WHERE o.placed_at IS NOT NULL AND o.status = $4::text
                GROUP BY 1
               ON CONFLICT (hour) DO UPDATE
                  SET revenue = t.revenue + EXCLUDED.revenue,
                      order_count = t.order_count + EXCLUDED.order_count,
                      items_sold = t.items_sold + EXCLUDED.items_sold`,
    [
      orders.map((o) => o.orderId),
      orders.map((o) => toCents(o.total)),
      orders.map((o) => o.items.reduce((n, l) => n + l.quantity, 0)),
      status,
      sign,
    ],
  );
}
