import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { request, commandApiForThisFile } from '../support/command-api.ts';
import { writeSnapshot } from '../support/write-snapshot.ts';

const stack = inject('stack');
const api = commandApiForThisFile(stack);
let productId: number;

beforeAll(async () => {
  const created = await request(`${api.url}/api/products`, {
    method: 'POST',
    json: { name: 'Key', category: 'k', price: 2, stock: 1000 },
  });
  productId = created.body.productId as number;
});

const placeOrder = (key: string, quantity = 1) =>
  request(`${api.url}/api/orders`, {
    method: 'POST',
    headers: { 'idempotency-key': key },
    json: { customerId: 5, items: [{ productId, quantity }] },
  });

describe('Idempotency-Key', () => {
  it('a retry with the same key and body returns the first response and writes nothing new', async () => {
    const key = randomUUID();
    const first = await placeOrder(key);
    expect(first.status).toBe(201);
    const after = await writeSnapshot(api.pool);

    const retry = await placeOrder(key);
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await writeSnapshot(api.pool)).toEqual(after);
  });

  it('the same key with a different body is 422 and writes nothing', async () => {
    const key = randomUUID();
    await placeOrder(key, 1);
    const before = await writeSnapshot(api.pool);
    const other = await placeOrder(key, 2);
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('idempotency_key_reused');
    expect(await writeSnapshot(api.pool)).toEqual(before);
  });

  it('concurrent requests with one key place one order', async () => {
    const key = randomUUID();
    const before = (await api.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n;
    const replies = await Promise.all(Array.from({ length: 10 }, () => placeOrder(key)));
    expect(new Set(replies.map((r) => `${r.status} ${r.text}`)).size).toBe(1);
    const after = (await api.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n;
    expect(after - before).toBe(1);
  });

  it('a refusal is remembered too: the retry gets the same 409, not a new attempt', async () => {
    const key = randomUUID();
    const refused = await placeOrder(key, 5000);
    expect(refused.status).toBe(409);
    await request(`${api.url}/api/products/${productId}`, { method: 'PATCH', json: { stock: 100_000 } });
    const retry = await placeOrder(key, 5000);
    expect(retry.status).toBe(409);
    expect(retry.text).toBe(refused.text);
  });

  it('works on product creation and on cancel', async () => {
    const key = randomUUID();
    const body = { name: 'Once', category: 'k', price: 1, stock: 1 };
    const a = await request(`${api.url}/api/products`, { method: 'POST', headers: { 'idempotency-key': key }, json: body });
    const b = await request(`${api.url}/api/products`, { method: 'POST', headers: { 'idempotency-key': key }, json: body });
    expect(b.text).toBe(a.text);
    expect((await api.pool.query("SELECT count(*)::int AS n FROM products WHERE name = 'Once'")).rows[0].n).toBe(1);

    const orderId = (await placeOrder(randomUUID())).body.orderId;
    const cancelKey = randomUUID();
    const cancel = () =>
      request(`${api.url}/api/orders/${orderId}/cancel`, { method: 'POST', headers: { 'idempotency-key': cancelKey } });
    expect((await cancel()).status).toBe(200);
    expect((await cancel()).status).toBe(200);
  });

  it('refuses a malformed key with 400', async () => {
    const res = await placeOrder('x'.repeat(201));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'validation_failed', fields: [{ field: 'Idempotency-Key' }] });
  });
});
