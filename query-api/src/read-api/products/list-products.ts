import type pg from 'pg';
import { toProduct, type ProductRow } from './product.ts';

export interface ListProductsArgs {
  category?: string | undefined;
  limit: number;
  offset: number;
}

export async function listProducts(db: pg.Pool, args: ListProductsArgs) {
  const { rows } = await db.query<ProductRow>(
    /* sql */ `SELECT product_id, name, category, price::text AS price, stock
                 FROM products
                WHERE $1::text IS NULL OR category = $1::text
                ORDER BY product_id
                LIMIT $2::int OFFSET $3::int`,
    [args.category ?? null, args.limit, args.offset],
  );
  return rows.map(toProduct);
}
