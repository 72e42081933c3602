import assert from 'node:assert/strict';
import { postJson } from '../support/clients.ts';

export interface Endpoints {
  command: string;
  query: string;
}

/**
 * The contract's requests, sent the way a client would right after start-up: two products at
 * once, two orders at once, a cancel, then every read endpoint at once, each answer checked
 * against what the writes imply (cancelled orders subtracted from every aggregate). The reads
 * wait for the writes with their Consistency-Tokens, as a client reading its own writes does
 * (orders land on different shards: one applied says nothing about the other).
 */
export async function checkContractRequests({ command, query }: Endpoints, log: (line: string) => void): Promise<void> {
  const [mug, lamp] = await Promise.all([
    created(postJson(`${command}/api/products`, { name: 'Mug', category: 'kitchen', price: 29.99, stock: 10 }), 'productId'),
    created(postJson(`${command}/api/products`, { name: 'Lamp', category: 'living', price: 45.5, stock: 5 }), 'productId'),
  ]);
  const [kept, cancelled] = await Promise.all([
    created(
      postJson(`${command}/api/orders`, {
        customerId: 7,
        items: [
          { productId: mug.id, quantity: 2, price: 29.99 },
          { productId: lamp.id, quantity: 1 },
        ],
      }),
      'orderId',
    ),
    created(postJson(`${command}/api/orders`, { customerId: 8, items: [{ productId: mug.id, quantity: 1 }] }), 'orderId'),
  ]);
  const cancel = await postJson(`${command}/api/orders/${cancelled.id}/cancel`, {});
  assert.deepEqual(
    { status: cancel.status, body: cancel.body },
    { status: 200, body: { orderId: cancelled.id, status: 'cancelled' } },
  );
  log(`  products ${mug.id}, ${lamp.id}; orders ${kept.id} and ${cancelled.id} (cancelled)`);

  // Every write's token sent back once, with a read of what that write made: each answer waits
  // until that write is in the read models (a product's token says nothing about an order).
  const reads: [string | undefined, string, Record<string, unknown>][] = [
    [mug.token, `/api/products/${mug.id}`, { name: 'Mug' }],
    [lamp.token, `/api/products/${lamp.id}`, { name: 'Lamp' }],
    [kept.token, `/api/orders/${kept.id}`, { status: 'placed' }],
    [cancelled.token, `/api/orders/${cancelled.id}`, { orderId: cancelled.id }],
    [cancel.token, `/api/orders/${cancelled.id}`, { status: 'cancelled' }],
  ];
  for (const [token, path, expected] of reads) {
    const res = await fetch(`${query}${path}`, { headers: { 'consistency-token': token ?? 'missing token' } });
    const text = await res.text();
    assert.equal(res.status, 200, `${path} read with its write's Consistency-Token answered ${res.status}: ${text}`);
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(pick(body, Object.keys(expected)), expected, `${path} with its write's token: ${text}`);
  }

  const [products, order, sales, revenue, customer, hourly, sync] = await Promise.all([
    json(`${query}/api/products?category=kitchen`),
    json(`${query}/api/orders/${kept.id}`),
    json(`${query}/api/analytics/products/${mug.id}/sales`),
    json(`${query}/api/analytics/categories/kitchen/revenue`),
    json(`${query}/api/analytics/customers/7/lifetime-value`),
    json(`${query}/api/analytics/hourly-sales`),
    json(`${query}/api/analytics/sync-status`),
  ]);
  assert.deepEqual(products, [{ productId: mug.id, name: 'Mug', category: 'kitchen', price: 29.99, stock: 8 }]);
  assert.equal(order.status, 'placed');
  assert.equal(order.total, 105.48);
  assert.deepEqual(sales, { productId: mug.id, totalQuantitySold: 2, totalRevenue: 59.98, orderCount: 1 });
  assert.deepEqual(revenue, { category: 'kitchen', totalRevenue: 59.98, totalOrders: 1 });
  assert.equal(customer.totalSpent, 105.48);
  assert.equal(customer.orderCount, 1);
  assert.notEqual(customer.lastOrderDate, null);
  const hours = hourly as unknown as { totalRevenue: number; orderCount: number; itemsSold: number }[];
  assert.equal(Math.round(hours.reduce((sum, h) => sum + h.totalRevenue, 0) * 100), 10548);
  assert.equal(
    hours.reduce((sum, h) => sum + h.orderCount, 0),
    1,
  );
  assert.equal(sync.eventsBehind, 0);
  assert.equal(sync.missing, 0);
  assert.equal((sync.debezium as { active: boolean }).active, true);
  log(`  read side: order total 105.48, product sales 59.98, category revenue 59.98, sync-status caught up`);
}

async function created(
  reply: Promise<{ status: number; body: Record<string, unknown>; token?: string | undefined }>,
  field: string,
): Promise<{ id: number; token: string | undefined }> {
  const { status, body, token } = await reply;
  assert.equal(status, 201, `expected 201, got ${status} ${JSON.stringify(body)}`);
  const id = body[field];
  assert.ok(Number.isInteger(id), `${field} in ${JSON.stringify(body)}`);
  assert.match(token ?? '', /^ct1\./, 'a Consistency-Token header');
  return { id: id as number, token };
}

async function json(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

function pick(body: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, body[key]]));
}
