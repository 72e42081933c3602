import type pg from 'pg';
import { centsToNumeric, toCents } from '@shop/shared/money';
import { appendEvents } from '../outbox/append-event.ts';
import type { CreateProduct } from './schemas.ts';
import { toProductPayload, type ProductRow } from './product-row.ts';

/** On the caller's transaction: the product row and its ProductCreated event. */
export async function createProduct(client: pg.PoolClient, input: CreateProduct): Promise<{ productId: number }> {
  const { rows } = await client.query<ProductRow>(
    /* sql */ `INSERT INTO products (name, category, price, stock)
               VALUES ($1::text, $2::text, $3::numeric, $4::int)
               RETURNING id, name, category, price::text AS price, stock`,
    [input.name, input.category, centsToNumeric(toCents(input.price)), input.stock],
  );
  const row = rows[0]!;
  await appendEvents(client, [{ type: 'ProductCreated', aggregateId: row.id, payload: toProductPayload(row) }]);
  return { productId: row.id };
}
