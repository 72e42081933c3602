import { describe, expect, inject, it } from 'vitest';
import { commandApi, eventually, getIfFound, postJson, queryApi, stackDatabases } from '../support/clients.ts';

const stack = inject('stack');

describe('a product flows from the command API through Debezium and RabbitMQ to the query API', () => {
  const { write } = stackDatabases(stack);

  it('POST /api/products on the command API is listed by the query API', async () => {
    const created = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Desk lamp',
      category: 'lighting',
      price: 29.99,
      stock: 7,
    });
    expect(created.status).toBe(201);
    const productId = created.body.productId;
    expect(Number.isInteger(productId)).toBe(true);

    const product = await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${productId}`));
    expect(product).toEqual({ productId, name: 'Desk lamp', category: 'lighting', price: 29.99, stock: 7 });

    const listed = (await (await fetch(`${queryApi(stack)}/api/products?category=lighting`)).json()) as unknown[];
    expect(listed).toContainEqual(product);
  });

  it('writes the business row and its outbox event in the same transaction', async () => {
    const created = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Chair',
      category: 'furniture',
      price: 120,
      stock: 3,
    });
    const { rows } = await write.query(
      `SELECT type, aggregatetype, aggregateid, payload, schema_version FROM outbox WHERE aggregatetype = 'product' AND aggregateid = $1::text`,
      [String(created.body.productId)],
    );
    expect(rows).toEqual([
      {
        type: 'ProductCreated',
        aggregatetype: 'product',
        aggregateid: String(created.body.productId),
        payload: { productId: created.body.productId, name: 'Chair', category: 'furniture', price: 120, stock: 3 },
        schema_version: 1,
      },
    ]);
  });

  it('a PATCH reaches the read side as the full new state', async () => {
    const created = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Kettle',
      category: 'kitchen',
      price: 35.5,
      stock: 4,
    });
    const url = `${queryApi(stack)}/api/products/${created.body.productId}`;
    await eventually(() => getIfFound(url));

    const patched = await fetch(`${commandApi(stack)}/api/products/${created.body.productId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ price: 31.25, stock: 9 }),
    });
    expect(patched.status).toBe(200);
    const updated = await eventually(async () => {
      const p = (await getIfFound(url)) as { price: number } | undefined;
      return p?.price === 31.25 ? p : undefined;
    });
    expect(updated).toEqual({ productId: created.body.productId, name: 'Kettle', category: 'kitchen', price: 31.25, stock: 9 });
  });

  it('an order and its cancel move the product stock on the read side', async () => {
    const created = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Teapot',
      category: 'kitchen',
      price: 29.99,
      stock: 10,
    });
    const url = `${queryApi(stack)}/api/products/${created.body.productId}`;
    const stockIs = (n: number) =>
      eventually(async () => ((await getIfFound(url)) as { stock: number } | undefined)?.stock === n || undefined);

    const placed = await postJson(`${commandApi(stack)}/api/orders`, {
      customerId: 1,
      items: [{ productId: created.body.productId, quantity: 2, price: 29.99 }],
    });
    expect(placed.status).toBe(201);
    await stockIs(8);
    const cancelled = await fetch(`${commandApi(stack)}/api/orders/${placed.body.orderId}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(cancelled.status).toBe(200);
    await stockIs(10);
  });

  it('a bad request is a 400 with the offending fields and writes nothing', async () => {
    const before = await write.query(`SELECT count(*)::int AS n FROM outbox`);
    const res = await postJson(`${commandApi(stack)}/api/products`, { name: '', category: 'x', price: -1, stock: 1.5 });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    const fields = (res.body.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['name', 'price', 'stock']);
    const after = await write.query(`SELECT count(*)::int AS n FROM outbox`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
