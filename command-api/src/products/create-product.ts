import type pg from 'pg';
import { withTransaction } from '@shop/shared/db';
import { appendEvent } from '../outbox/append-event.ts';
import type { CreateProduct } from './schemas.ts';
import { toProductPayload, type ProductRow } from './product-row.ts';

export async function createProduct(pool: pg.Pool, input: CreateProduct): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<ProductRow>(
      /* sql */ `INSERT INTO products (name, category, price, stock)
                 VALUES ($1::text, $2::text, $3::numeric, $4::int)
                 RETURNING id, name, category, price::text, stock`,
      [input.name, input.category, input.price.toFixed(2), input.stock],
    );
    const row = rows[0]!;
    await appendEvent(client, 'ProductCreated', row.id, toProductPayload(row));
    return row.id;
  });
}
