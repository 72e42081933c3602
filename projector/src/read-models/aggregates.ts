import type pg from 'pg';
import type { Plan } from '../projection/plan.ts';

/** Adds the batch's deltas to product sales (negative for cancels). */
export async function addProductSales(client: pg.PoolClient, deltas: Plan['productSales']): Promise<void> {
  if (deltas.size === 0) return;
  const rows = [...deltas];
  await client.query(
    /* sql */ `INSERT INTO product_sales AS t (product_id, quantity_sold, revenue, order_count)
               SELECT d.id, d.quantity, d.cents / 100.0, d.orders
                 FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::int[]) AS d(id, quantity, cents, orders)
               ON CONFLICT (product_id) DO UPDATE
                  SET quantity_sold = t.quantity_sold + EXCLUDED.quantity_sold,
                      revenue = t.revenue + EXCLUDED.revenue,
                      order_count = t.order_count + EXCLUDED.order_count`,
    [rows.map(([id]) => id), rows.map(([, d]) => d.quantity), rows.map(([, d]) => d.revenueCents), rows.map(([, d]) => d.orders)],
  );
}

export async function addCategoryRevenue(client: pg.PoolClient, deltas: Plan['categoryRevenue']): Promise<void> {
  if (deltas.size === 0) return;
  const rows = [...deltas];
  await client.query(
    /* sql */ `INSERT INTO category_revenue AS t (category, revenue, order_count)
               SELECT d.category, d.cents / 100.0, d.orders
                 FROM unnest($1::text[], $2::bigint[], $3::int[]) AS d(category, cents, orders)
               ON CONFLICT (category) DO UPDATE
                  SET revenue = t.revenue + EXCLUDED.revenue, order_count = t.order_count + EXCLUDED.order_count`,
    [rows.map(([category]) => category), rows.map(([, d]) => d.revenueCents), rows.map(([, d]) => d.orders)],
  );
}

/**
 * Adds spend and order counts, then recomputes the last order date of the customers touched from
 * their projected orders (the newest not cancelled), which stays right however events interleave.
 */
export async function addCustomerValue(client: pg.PoolClient, deltas: Plan['customerValue']): Promise<void> {
  if (deltas.size === 0) return;
  const rows = [...deltas];
  await client.query(
    /* sql */ `INSERT INTO customer_value AS t (customer_id, total_spent, order_count)
               SELECT d.id, d.cents / 100.0, d.orders
                 FROM unnest($1::int[], $2::bigint[], $3::int[]) AS d(id, cents, orders)
               ON CONFLICT (customer_id) DO UPDATE
                  SET total_spent = t.total_spent + EXCLUDED.total_spent, order_count = t.order_count + EXCLUDED.order_count`,
    [rows.map(([id]) => id), rows.map(([, d]) => d.spentCents), rows.map(([, d]) => d.orders)],
  );
  await client.query(
    /* sql */ `UPDATE customer_value c
                  SET last_order_date = (SELECT max(o.placed_at) FROM orders o
                                          WHERE o.customer_id = c.customer_id AND o.status = 'placed')
                WHERE c.customer_id = ANY($1::int[])`,
    [rows.map(([id]) => id)],
  );
}
