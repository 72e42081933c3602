import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';
import { notFound } from '@shop/shared/http';
import { appendEvent } from '../outbox/append-event.ts';
import type { UpdateProduct } from './schemas.ts';
import { toProductPayload, type ProductRow } from './product-row.ts';

/** Applies the given fields and emits ProductUpdated with the full new state. */
export async function updateProduct(pool: pg.Pool, id: number, input: UpdateProduct): Promise<void> {
  await withTransaction(pool, async (client) => {
    const { rows } = await client.query<ProductRow>(
      /* sql */ `UPDATE products
                    SET name = COALESCE($2::text, name),
                        category = COALESCE($3::text, category),
                        price = COALESCE($4::numeric, price),
                        stock = COALESCE($5::int, stock),
                        updated_at = now()
                  WHERE id = $1::int
              RETURNING id, name, category, price::text, stock`,
      [id, input.name ?? null, input.category ?? null, input.price?.toFixed(2) ?? null, input.stock ?? null],
    );
    const row = rows[0];
    if (!row) throw notFound(`product ${id}`);
    await appendEvent(client, 'ProductUpdated', row.id, toProductPayload(row));
  });
}
