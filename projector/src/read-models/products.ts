import type pg from 'pg';
import { centsToNumeric, toCents } from '@shop/shared/money';
import type { Plan } from '../projection/plan.ts';

/** Catalog: both product events carry the full state; an older state never overwrites a newer one. */
export async function upsertProducts(client: pg.PoolClient, products: Plan['products']): Promise<void> {
  if (products.size === 0) return;
  const rows = [...products.values()];
  await client.query(
    /* sql */ `INSERT INTO products AS t (product_id, name, category, price, stock, updated_at)
               SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::numeric[], $5::int[], $6::timestamptz[])
               ON CONFLICT (product_id) DO UPDATE
                  SET name = EXCLUDED.name, category = EXCLUDED.category, price = EXCLUDED.price,
                      stock = EXCLUDED.stock, updated_at = EXCLUDED.updated_at
                WHERE t.updated_at <= EXCLUDED.updated_at`,
    [
      rows.map((r) => r.product.productId),
      rows.map((r) => r.product.name),
      rows.map((r) => r.product.category),
      rows.map((r) => centsToNumeric(toCents(r.product.price))),
      rows.map((r) => r.product.stock),
      rows.map((r) => r.occurredAt),
    ],
  );
}
