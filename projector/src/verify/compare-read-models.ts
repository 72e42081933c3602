import type pg from 'pg';

/**
 * Every read model recomputed straight from the write database, next to what the projector
 * built. Aggregate rows that net to zero (everything ordered was cancelled) are left out on
 * the read side, where they remain as zeros.
 */
const CHECKS: { model: string; write: string; read: string }[] = [
  {
    model: 'products',
    write: /* sql */ `SELECT id, name, category, price::text, stock FROM products ORDER BY id`,
    read: /* sql */ `SELECT product_id, name, category, price::text, stock FROM read.products ORDER BY product_id`,
  },
  {
    model: 'orders',
    write: /* sql */ `SELECT id, customer_id, status, total::text, placed_at, cancelled_at FROM orders ORDER BY id`,
    read: /* sql */ `SELECT order_id, customer_id, status, total::text, placed_at, cancelled_at FROM read.orders ORDER BY order_id`,
  },
  {
    model: 'order_items',
    write: /* sql */ `SELECT order_id, product_id, category, quantity, unit_price::text, line_total::text
                        FROM order_items ORDER BY order_id, product_id`,
    read: /* sql */ `SELECT order_id, product_id, category, quantity, unit_price::text, line_total::text
                       FROM read.order_items ORDER BY order_id, product_id`,
  },
  {
    model: 'product_sales',
    write: /* sql */ `SELECT i.product_id, sum(i.quantity)::bigint, sum(i.line_total)::numeric(18,2)::text, count(*)::int
                        FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status = 'placed'
                       GROUP BY i.product_id ORDER BY i.product_id`,
    read: /* sql */ `SELECT product_id, quantity_sold, revenue::text, order_count FROM read.product_sales
                      WHERE order_count <> 0 OR quantity_sold <> 0 OR revenue <> 0 ORDER BY product_id`,
  },
  {
    model: 'category_revenue',
    write: /* sql */ `SELECT i.category, sum(i.line_total)::numeric(18,2)::text, count(DISTINCT i.order_id)::int
                        FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status = 'placed'
                       GROUP BY i.category ORDER BY i.category`,
    read: /* sql */ `SELECT category, revenue::text, order_count FROM read.category_revenue
                      WHERE order_count <> 0 OR revenue <> 0 ORDER BY category`,
  },
  {
    model: 'customer_value',
    write: /* sql */ `SELECT customer_id, sum(total)::numeric(18,2)::text, count(*)::int, max(placed_at)
                        FROM orders WHERE status = 'placed' GROUP BY customer_id ORDER BY customer_id`,
    read: /* sql */ `SELECT customer_id, total_spent::text, order_count, last_order_date FROM read.customer_value
                      WHERE order_count <> 0 OR total_spent <> 0 ORDER BY customer_id`,
  },
  {
    model: 'hourly_sales',
    write: /* sql */ `SELECT date_trunc('hour', o.placed_at, 'UTC'), sum(o.total)::numeric(18,2)::text, count(*)::int,
                             sum((SELECT sum(quantity) FROM order_items i WHERE i.order_id = o.id))::bigint
                        FROM orders o WHERE o.status = 'placed' GROUP BY 1 ORDER BY 1`,
    read: /* sql */ `SELECT hour, revenue::text, order_count, items_sold FROM read.hourly_sales
                      WHERE order_count <> 0 OR revenue <> 0 OR items_sold <> 0 ORDER BY hour`,
  },
];

export interface ModelComparison {
  model: string;
  writeRows: number;
  readRows: number;
  /** Up to five rows that differ, as JSON text, each side. */
  differences: { write?: string; read?: string }[];
}

export async function compareReadModels(
  write: pg.ClientBase | pg.Pool,
  read: pg.ClientBase | pg.Pool,
): Promise<ModelComparison[]> {
  const results: ModelComparison[] = [];
  for (const check of CHECKS) {
    const [w, r] = await Promise.all([rowsAsText(write, check.write), rowsAsText(read, check.read)]);
    const differences: ModelComparison['differences'] = [];
    for (let i = 0; i < Math.max(w.length, r.length) && differences.length < 5; i++) {
      if (w[i] !== r[i]) differences.push({ write: w[i], read: r[i] });
    }
    results.push({ model: check.model, writeRows: w.length, readRows: r.length, differences });
  }
  return results;
}

/** Rows as positional JSON arrays, so differently named columns compare by value. */
async function rowsAsText(db: pg.ClientBase | pg.Pool, sql: string): Promise<string[]> {
  const { rows } = await db.query({ text: sql, rowMode: 'array' });
  return rows.map((row: unknown[]) => JSON.stringify(row.map((v) => (v instanceof Date ? v.toISOString() : String(v)))));
}
