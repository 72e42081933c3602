import type pg from 'pg';
import type { EventPayload } from '@shop/shared/events';

/**
 * Catalog projection of ProductCreated/ProductUpdated: both carry the full state, so an upsert
 * that only moves forward in time (by occurred-at) is correct for either.
 */
export async function upsertProduct(
  client: pg.PoolClient,
  product: EventPayload<'ProductCreated'>,
  occurredAt: Date,
): Promise<void> {
  await client.query(
    /* sql */ `INSERT INTO products (product_id, name, category, price, stock, updated_at)
               VALUES ($1::int, $2::text, $3::text, $4::numeric, $5::int, $6::timestamptz)
               ON CONFLICT (product_id) DO UPDATE
                  SET name = EXCLUDED.name, category = EXCLUDED.category, price = EXCLUDED.price,
                      stock = EXCLUDED.stock, updated_at = EXCLUDED.updated_at
                WHERE products.updated_at <= EXCLUDED.updated_at`,
    [product.productId, product.name, product.category, product.price.toFixed(2), product.stock, occurredAt],
  );
}
