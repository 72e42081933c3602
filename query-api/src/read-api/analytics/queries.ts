import type pg from 'pg';
import { centsFromNumeric, fromCents } from '@shop/shared/money';

const money = (text: string | null | undefined) => (text ? fromCents(centsFromNumeric(text)) : 0);

/** Zeros, not 404, for a product without sales (docs/contract.md). */
export async function productSales(db: pg.Pool, productId: number) {
  const { rows } = await db.query<{ quantity_sold: string; revenue: string; order_count: number }>(
    /* sql */ `SELECT quantity_sold::text, revenue::text, order_count FROM product_sales WHERE product_id = $1::int`,
    [productId],
  );
  const row = rows[0];
  return {
    productId,
    totalQuantitySold: Number(row?.quantity_sold ?? 0),
    totalRevenue: money(row?.revenue),
    orderCount: row?.order_count ?? 0,
  };
}

export async function categoryRevenue(db: pg.Pool, category: string) {
  const { rows } = await db.query<{ revenue: string; order_count: number }>(
    /* sql */ `SELECT revenue::text, order_count FROM category_revenue WHERE category = $1::text`,
    [category],
  );
  return { category, totalRevenue: money(rows[0]?.revenue), totalOrders: rows[0]?.order_count ?? 0 };
}

export async function customerValue(db: pg.Pool, customerId: number) {
  const { rows } = await db.query<{ total_spent: string; order_count: number; last_order_date: Date | null }>(
    /* sql */ `SELECT total_spent::text, order_count, last_order_date FROM customer_value WHERE customer_id = $1::int`,
    [customerId],
  );
  const row = rows[0];
  return {
    customerId,
    totalSpent: money(row?.total_spent),
    orderCount: row?.order_count ?? 0,
    lastOrderDate: row?.last_order_date?.toISOString() ?? null,
  };
}

/** Hours with sales in [from, to] (both optional), oldest first; hours that netted to nothing are left out. */
export async function hourlySales(db: pg.Pool, from: string | undefined, to: string | undefined) {
  const { rows } = await db.query<{ hour: Date; revenue: string; order_count: number; items_sold: string }>(
    /* sql */ `SELECT hour, revenue::text, order_count, items_sold::text
                 FROM hourly_sales
                WHERE ($1::timestamptz IS NULL OR hour >= date_trunc('hour', $1::timestamptz, 'UTC'))
                  AND ($2::timestamptz IS NULL OR hour <= $2::timestamptz)
                  AND (order_count <> 0 OR revenue <> 0)
                ORDER BY hour
                LIMIT 10000`,
    [from ?? null, to ?? null],
  );
  return rows.map((r) => ({
    hour: r.hour.toISOString(),
    totalRevenue: money(r.revenue),
    orderCount: r.order_count,
    itemsSold: Number(r.items_sold),
  }));
}
