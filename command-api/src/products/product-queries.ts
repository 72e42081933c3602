import type pg from 'pg';
import type { ProductRow } from './product-row.ts';

/** Locks the given products (in id order, so concurrent orders cannot deadlock) and returns them. */
export async function lockProducts(client: pg.PoolClient, ids: number[]): Promise<ProductRow[]> {
  const { rows } = await client.query<ProductRow>(
    /* sql */ `SELECT id, name, category, price::text AS price, stock
                 FROM products WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  return rows;
}

/** Adds `delta` (negative to take) to each product's stock; returns the new rows. */
export async function adjustStock(client: pg.PoolClient, changes: { productId: number; delta: number }[]): Promise<ProductRow[]> {
  const { rows } = await client.query<ProductRow>(
    /* sql */ `UPDATE products p
                  SET stock = p.stock + c.delta, updated_at = now()
                 FROM unnest($1::int[], $2::int[]) AS c(id, delta)
                WHERE p.id = c.id
            RETURNING p.id, p.name, p.category, p.price::text AS price, p.stock`,
    [changes.map((c) => c.productId), changes.map((c) => c.delta)],
  );
  return rows.sort((a, b) => a.id - b.id);
}

/** Exported for the benchmark, which runs the very same statements through pgbench. */
export const LOCK_PRODUCTS_FOR_ORDER_SQL = /* sql */ `
  SELECT id, name, category, price::text AS price, stock,
         nextval(pg_get_serial_sequence('orders', 'id'))::text AS order_id
    FROM products WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE`;

/**
 * lockProducts for an order, drawing the order's id in the same round trip (the sequence is
 * called once per row; the first value is used, the others are gaps). Undefined with no rows.
 * A named statement, like the order's write: parsed and planned once per connection instead of
 * at every order (planning was most of the database's cost per order, docs/benchmarks.md).
 */
export async function lockProductsForOrder(client: pg.PoolClient, ids: number[]) {
  const { rows } = await client.query<ProductRow & { order_id: string }>({
    name: 'lock-products-for-order',
    text: LOCK_PRODUCTS_FOR_ORDER_SQL,
    values: [ids],
  });
  return {
    products: rows.map(({ order_id: _, ...product }) => product),
    orderId: rows[0] ? Number(rows[0].order_id) : undefined,
  };
}
