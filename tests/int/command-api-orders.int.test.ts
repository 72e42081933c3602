import { describe, expect, inject, it } from 'vitest';
import { request, commandApiForThisFile } from '../support/command-api.ts';
import { writeSnapshot } from '../support/write-snapshot.ts';

const stack = inject('stack');
const api = commandApiForThisFile(stack);

async function createProduct(price: number, stock: number, category = 'kitchen') {
  const res = await request(`${api.url}/api/products`, {
    method: 'POST',
    json: { name: `p-${price}-${stock}`, category, price, stock },
  });
  expect(res.status).toBe(201);
  return res.body.productId as number;
}
const order = (json: unknown, headers: Record<string, string> = {}) =>
  request(`${api.url}/api/orders`, { method: 'POST', json, headers });
const cancel = (id: unknown) =>
  request(`${api.url}/api/orders/${id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' } });
const stockOf = async (id: number) =>
  (await api.pool.query('SELECT stock FROM products WHERE id = $1', [id])).rows[0].stock as number;
const eventsOf = async (aggregateType: string, aggregateId: number) =>
  (
    await api.pool.query(
      'SELECT type, payload, schema_version FROM outbox WHERE aggregatetype = $1 AND aggregateid = $2 ORDER BY position',
      [aggregateType, String(aggregateId)],
    )
  ).rows;

describe('the seed contract requests, byte for byte', () => {
  it('POST /api/products answers 201 {"productId": n}', async () => {
    const res = await request(`${api.url}/api/products`, {
      method: 'POST',
      json: { name: 'Mug', category: 'kitchen', price: 29.99, stock: 10 },
    });
    expect(res.status).toBe(201);
    expect(res.text).toMatch(/^\{"productId":[1-9][0-9]*\}$/);
  });

  it('POST /api/orders answers 201 {"orderId": n}', async () => {
    const productId = await createProduct(29.99, 10);
    const res = await order({ customerId: 1, items: [{ productId, quantity: 2, price: 29.99 }] });
    expect(res.status).toBe(201);
    expect(res.text).toMatch(/^\{"orderId":[1-9][0-9]*\}$/);
  });
});

describe('placing an order', () => {
  it('prices it from the catalog, takes the stock and emits OrderPlaced and ProductUpdated in the same transaction', async () => {
    const productId = await createProduct(29.99, 10, 'mugs');
    const res = await order({ customerId: 42, items: [{ productId, quantity: 2 }] });
    const orderId = res.body.orderId as number;

    expect(await stockOf(productId)).toBe(8);
    const row = (await api.pool.query('SELECT customer_id, status, total::text FROM orders WHERE id = $1', [orderId])).rows[0];
    expect(row).toEqual({ customer_id: 42, status: 'placed', total: '59.98' });
    const [placed] = await eventsOf('order', orderId);
    expect(placed.type).toBe('OrderPlaced');
    // Version 2: amounts in integer cents and the shop's currency (SHOP_CURRENCY, USD by default).
    expect(placed.schema_version).toBe(2);
    expect(placed.payload).toEqual({
      orderId,
      customerId: 42,
      placedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      currency: 'USD',
      totalMinor: 5998,
      items: [{ productId, category: 'mugs', quantity: 2, unitPriceMinor: 2999, lineTotalMinor: 5998 }],
    });
    const productEvents = await eventsOf('product', productId);
    expect(productEvents.map((e) => e.type)).toEqual(['ProductCreated', 'ProductUpdated']);
    expect(productEvents.map((e) => e.schema_version)).toEqual([1, 1]);
    expect(productEvents[1].payload).toMatchObject({ productId, stock: 8 });
  });

  it('merges repeated lines for one product', async () => {
    const productId = await createProduct(1.1, 10);
    const res = await order({
      customerId: 1,
      items: [
        { productId, quantity: 1 },
        { productId, quantity: 2, price: 1.1 },
      ],
    });
    expect(res.status).toBe(201);
    const items = (
      await api.pool.query('SELECT quantity, line_total::text FROM order_items WHERE order_id = $1', [res.body.orderId])
    ).rows;
    expect(items).toEqual([{ quantity: 3, line_total: '3.30' }]);
    expect(await stockOf(productId)).toBe(7);
  });

  it('refuses a stated price that is not the catalog price (409 with the current price), writing nothing', async () => {
    const productId = await createProduct(29.99, 10);
    const before = await writeSnapshot(api.pool);
    const res = await order({ customerId: 1, items: [{ productId, quantity: 1, price: 19.99 }] });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'price_mismatch', productId, currentPrice: 29.99, requestedPrice: 19.99 });
    expect(await writeSnapshot(api.pool)).toEqual(before);
  });

  it('refuses unknown products with 422, writing nothing', async () => {
    const productId = await createProduct(5, 10);
    const before = await writeSnapshot(api.pool);
    const res = await order({
      customerId: 1,
      items: [
        { productId, quantity: 1 },
        { productId: 999_999, quantity: 1 },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'unknown_product', productIds: [999_999] });
    expect(await writeSnapshot(api.pool)).toEqual(before);
  });

  it('refuses an order beyond the stock with 409 and leaves every product untouched', async () => {
    const plenty = await createProduct(5, 100);
    const scarce = await createProduct(7, 1);
    const before = await writeSnapshot(api.pool);
    const res = await order({
      customerId: 1,
      items: [
        { productId: plenty, quantity: 5 },
        { productId: scarce, quantity: 2 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: 'insufficient_stock',
      shortages: [{ productId: scarce, requested: 2, available: 1 }],
    });
    expect(await writeSnapshot(api.pool)).toEqual(before);
  });

  it('keeps money exact and returns it rounded to cents', async () => {
    const a = await createProduct(0.1, 1000);
    const b = await createProduct(0.2, 1000);
    const res = await order({
      customerId: 7,
      items: [
        { productId: a, quantity: 3 },
        { productId: b, quantity: 1 },
      ],
    });
    const [placed] = await eventsOf('order', res.body.orderId as number);
    expect(placed.payload.totalMinor).toBe(50);
    expect(JSON.stringify(placed.payload.items.map((i: { lineTotalMinor: number }) => i.lineTotalMinor))).toBe('[30,20]');
  });
});

describe('cancelling an order', () => {
  it('restores the stock and emits OrderCancelled with the same lines', async () => {
    const productId = await createProduct(12.5, 5);
    const placed = await order({ customerId: 3, items: [{ productId, quantity: 4 }] });
    const orderId = placed.body.orderId as number;
    expect(await stockOf(productId)).toBe(1);

    const res = await cancel(orderId);
    expect(res.status).toBe(200);
    expect(res.text).toBe(`{"orderId":${orderId},"status":"cancelled"}`);
    expect(await stockOf(productId)).toBe(5);

    const [placedEvent, cancelledEvent] = await eventsOf('order', orderId);
    expect(cancelledEvent.type).toBe('OrderCancelled');
    // OrderCancelled is still version 1: decimal amounts, in the shop's currency; the same lines as the placement's (v2, in cents).
    expect([placedEvent.schema_version, cancelledEvent.schema_version]).toEqual([2, 1]);
    expect(placedEvent.payload.items).toEqual([
      { productId, category: expect.any(String), quantity: 4, unitPriceMinor: 1250, lineTotalMinor: 5000 },
    ]);
    expect(cancelledEvent.payload).toMatchObject({
      orderId,
      customerId: 3,
      total: 50,
      items: [{ productId, category: placedEvent.payload.items[0].category, quantity: 4, unitPrice: 12.5, lineTotal: 50 }],
    });
    expect(cancelledEvent.payload.cancelledAt).toMatch(/Z$/);
  });

  it('refuses a second cancel with 409 and changes nothing', async () => {
    const productId = await createProduct(3, 5);
    const orderId = (await order({ customerId: 3, items: [{ productId, quantity: 1 }] })).body.orderId;
    expect((await cancel(orderId)).status).toBe(200);
    const before = await writeSnapshot(api.pool);
    const again = await cancel(orderId);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'already_cancelled', orderId });
    expect(await writeSnapshot(api.pool)).toEqual(before);
  });

  it('answers 404 for an unknown order and 400 for a malformed id', async () => {
    expect((await cancel(999_999)).status).toBe(404);
    expect((await cancel('abc')).status).toBe(400);
  });
});

describe('updating a product', () => {
  it('emits ProductUpdated with the full new state', async () => {
    const productId = await createProduct(9.99, 3, 'toys');
    const res = await request(`${api.url}/api/products/${productId}`, { method: 'PATCH', json: { price: 8.5 } });
    expect(res.status).toBe(200);
    expect(res.text).toBe(`{"productId":${productId}}`);
    const events = await eventsOf('product', productId);
    expect(events[1]).toMatchObject({
      type: 'ProductUpdated',
      payload: { productId, name: 'p-9.99-3', category: 'toys', price: 8.5, stock: 3 },
    });
  });

  it('answers 404 for an unknown product', async () => {
    expect((await request(`${api.url}/api/products/999999`, { method: 'PATCH', json: { stock: 1 } })).status).toBe(404);
  });
});
