import type pg from 'pg';
import { toProduct, type ProductRow } from './product.ts';

/** The product, or undefined; on a pool, or on a client whose tables are time travel's scratch copies (as-of/). */
export async function getProduct(db: pg.Pool | pg.PoolClient, productId: number) {
  const { rows } = await db.query<ProductRow>(
    /* sql */ `SELECT product_id, name, category, price::text AS price, stock FROM products WHERE product_id = $1::int`,
    [productId],
  );
  return rows[0] ? toProduct(rows[0]) : undefined;
}
