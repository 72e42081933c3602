import type pg from 'pg';
import { notFound } from '@shop/shared/http';
import { centsToNumeric, toCents } from '@shop/shared/money';
import { appendEvents } from '../outbox/append-event.ts';
import type { UpdateProduct } from './schemas.ts';
import { toProductPayload, type ProductRow } from './product-row.ts';

/** On the caller's transaction: applies the given fields and appends ProductUpdated with the full new state. */
export async function updateProduct(client: pg.PoolClient, id: number, input: UpdateProduct): Promise<{ productId: number }> {
  const { rows } = await client.query<ProductRow>(
    /* sql */ `UPDATE products
                  SET name = COALESCE($2::text, name),
                      category = COALESCE($3::text, category),
                      price = COALESCE($4::numeric, price),
                      stock = COALESCE($5::int, stock),
                      updated_at = now()
                WHERE id = $1::int
            RETURNING id, name, category, price::text AS price, stock`,
    [
      id,
      input.name ?? null,
      input.category ?? null,
      input.price === undefined ? null : centsToNumeric(toCents(input.price)),
      input.stock ?? null,
    ],
  );
  const row = rows[0];
  if (!row) throw notFound(`product ${id}`);
  await appendEvents(client, [{ type: 'ProductUpdated', aggregateId: row.id, payload: toProductPayload(row) }]);
  return { productId: row.id };
}
