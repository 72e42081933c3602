import http from 'node:http';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { commandApi, eventually, postJson, queryApi } from '../support/clients.ts';
import { openApiValidator } from '../support/openapi-check.ts';

const stack = inject('stack');

/** node:http, not fetch: fetch adds `Cache-Control: no-cache` to conditional requests, which forbids a 304. */
function conditionalGetStatus(url: string, etag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'if-none-match': etag } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}
const q = (path: string) => `${queryApi(stack)}${path}`;
const get = async (path: string) => {
  const res = await fetch(q(path));
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
};

describe('query API against the running pipeline', () => {
  let productId: number;
  let orderId: number;
  const category = `acceptance-${Date.now()}`;
  const customerId = 777_000 + (Date.now() % 1000);

  beforeAll(async () => {
    productId = (
      await postJson(`${commandApi(stack)}/api/products`, { name: 'Acceptance mug', category, price: 29.99, stock: 50 })
    ).body.productId as number;
    orderId = (
      await postJson(`${commandApi(stack)}/api/orders`, { customerId, items: [{ productId, quantity: 2, price: 29.99 }] })
    ).body.orderId as number;
  });

  it('within 5 s: 2 sold for 59.98, category and customer agree, sync-status caught up', async () => {
    const sales = await eventually(async () => {
      const s = (await get(`/api/analytics/products/${productId}/sales`)).body;
      return s.totalQuantitySold === 2 ? s : undefined;
    }, 5_000);
    expect(sales).toEqual({ productId, totalQuantitySold: 2, totalRevenue: 59.98, orderCount: 1 });
    expect((await get(`/api/analytics/categories/${category}/revenue`)).body).toEqual({
      category,
      totalRevenue: 59.98,
      totalOrders: 1,
    });
    const ltv = (await get(`/api/analytics/customers/${customerId}/lifetime-value`)).body;
    expect(ltv).toMatchObject({ customerId, totalSpent: 59.98, orderCount: 1 });
    expect(typeof ltv.lastOrderDate).toBe('string');

    const status = await eventually(async () => {
      const s = (await get('/api/analytics/sync-status')).body;
      return s.eventsBehind === 0 ? s : undefined;
    }, 5_000);
    expect(typeof status.lagSeconds).toBe('number');
    expect(status.lagSeconds).toBe(0);
    expect(status).toMatchObject({ debezium: { slot: stack.DEBEZIUM_SLOT, active: true }, unreachable: [] });
    expect(typeof status.lastProcessedEventTimestamp).toBe('string');
  });

  it('serves the order with its lines, and after a cancel subtracts it everywhere', async () => {
    const order = (await get(`/api/orders/${orderId}`)).body;
    expect(order).toMatchObject({ orderId, customerId, status: 'placed', total: 59.98, cancelledAt: null });
    expect(order.items).toEqual([{ productId, category, quantity: 2, unitPrice: 29.99, lineTotal: 59.98 }]);

    await postJson(`${commandApi(stack)}/api/orders/${orderId}/cancel`, {});
    await eventually(async () => ((await get(`/api/orders/${orderId}`)).body.status === 'cancelled' ? true : undefined));
    expect((await get(`/api/analytics/products/${productId}/sales`)).body).toEqual({
      productId,
      totalQuantitySold: 0,
      totalRevenue: 0,
      orderCount: 0,
    });
    expect((await get(`/api/analytics/customers/${customerId}/lifetime-value`)).body).toEqual({
      customerId,
      totalSpent: 0,
      orderCount: 0,
      lastOrderDate: null,
    });
  });

  it('answers zeros for ids and categories without sales, 404 for unknown products and orders', async () => {
    expect((await get('/api/analytics/products/2000000000/sales')).body).toEqual({
      productId: 2_000_000_000,
      totalQuantitySold: 0,
      totalRevenue: 0,
      orderCount: 0,
    });
    expect((await get('/api/analytics/categories/nothing-here/revenue')).body).toEqual({
      category: 'nothing-here',
      totalRevenue: 0,
      totalOrders: 0,
    });
    expect((await get('/api/analytics/customers/2000000000/lifetime-value')).body).toEqual({
      customerId: 2_000_000_000,
      totalSpent: 0,
      orderCount: 0,
      lastOrderDate: null,
    });
    expect((await get('/api/products/2000000000')).status).toBe(404);
    expect((await get('/api/orders/2000000000')).status).toBe(404);
  });

  it.each([
    '/api/products/abc',
    '/api/products/0',
    '/api/orders/-1',
    '/api/orders/99999999999',
    '/api/analytics/products/1.5/sales',
    '/api/analytics/customers/x/lifetime-value',
    '/api/products?limit=0',
    '/api/products?limit=1001',
    '/api/products?offset=-1',
    '/api/products?limit=ten',
    '/api/analytics/hourly-sales?from=yesterday',
    '/api/analytics/hourly-sales?to=2026-13-01T00:00:00Z',
    '/api/analytics/hourly-sales?from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z',
  ])('%s is a 400 with the offending field', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(Array.isArray(res.body.fields)).toBe(true);
  });

  it('pages and filters products', async () => {
    const first = (await fetch(q(`/api/products?category=${category}&limit=1&offset=0`)).then((r) => r.json())) as unknown[];
    expect(first).toEqual([{ productId, name: 'Acceptance mug', category, price: 29.99, stock: 50 }]);
    expect(await fetch(q(`/api/products?category=${category}&limit=1&offset=1`)).then((r) => r.json())).toEqual([]);
  });

  it('hourly sales cover the hour of an order and respect from/to', async () => {
    const placed = await postJson(`${commandApi(stack)}/api/orders`, { customerId, items: [{ productId, quantity: 1 }] });
    await eventually(async () => ((await get(`/api/orders/${placed.body.orderId}`)).status === 200 ? true : undefined));
    const hour = new Date();
    hour.setUTCMinutes(0, 0, 0);
    const from = new Date(hour.getTime() - 3_600_000).toISOString();
    const hours = (await fetch(q(`/api/analytics/hourly-sales?from=${from}`)).then((r) => r.json())) as {
      hour: string;
      orderCount: number;
    }[];
    const thisHour = hours.find((h) => h.hour === hour.toISOString());
    expect(thisHour?.orderCount).toBeGreaterThanOrEqual(1);
    expect(hours.every((h) => h.hour >= from)).toBe(true);
    const later = (await fetch(q(`/api/analytics/hourly-sales?from=${new Date(Date.now() + 7_200_000).toISOString()}`)).then(
      (r) => r.json(),
    )) as unknown[];
    expect(later).toEqual([]);
  });

  it('read answers carry a short cache lifetime and an ETag that revalidates; sync-status is never cached', async () => {
    const first = await fetch(q(`/api/products/${productId}`));
    expect(first.headers.get('cache-control')).toBe('public, max-age=1');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(await conditionalGetStatus(q(`/api/products/${productId}`), etag!)).toBe(304);
    expect((await fetch(q('/api/analytics/sync-status'))).headers.get('cache-control')).toBe('no-store');
  });

  it('exposes pipeline lag gauges at /metrics', async () => {
    const text = await (await fetch(q('/metrics'))).text();
    expect(text).toMatch(/pipeline_lag_seconds\{[^}]*\} 0/);
    expect(text).toMatch(/pipeline_events_behind\{[^}]*\} \d+/);
    expect(text).toMatch(/pipeline_slot_active\{[^}]*\} 1/);
    expect(text).toMatch(/pipeline_slot_lag_bytes\{[^}]*\} \d+/);
  });
});

describe('OpenAPI documents, checked against real responses', () => {
  it('the query API answers as its document says', async () => {
    const doc = await (await fetch(q('/openapi.json'))).json();
    expect(doc.openapi).toBe('3.1.0');
    const check = openApiValidator(doc);
    const product = (await fetch(q('/api/products?limit=1')).then((r) => r.json())) as { productId: number }[];
    const id = product[0]!.productId;
    const cases: [string, string][] = [
      ['/api/products', '/api/products'],
      ['/api/products/{id}', `/api/products/${id}`],
      ['/api/products/{id}', '/api/products/2000000000'],
      ['/api/products/{id}', '/api/products/abc'],
      ['/api/orders/{id}', '/api/orders/1'],
      ['/api/analytics/products/{id}/sales', `/api/analytics/products/${id}/sales`],
      ['/api/analytics/categories/{category}/revenue', '/api/analytics/categories/kitchen/revenue'],
      ['/api/analytics/customers/{id}/lifetime-value', '/api/analytics/customers/1/lifetime-value'],
      ['/api/analytics/hourly-sales', '/api/analytics/hourly-sales'],
      ['/api/analytics/hourly-sales', '/api/analytics/hourly-sales?from=nope'],
      ['/api/analytics/sync-status', '/api/analytics/sync-status'],
      ['/health', '/health'],
    ];
    for (const [template, path] of cases) {
      const res = await fetch(q(path));
      expect(check(template, 'get', res.status, await res.json()), `${path} → ${res.status}`).toEqual([]);
    }
    const page = await fetch(q('/docs/'));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/swagger-ui/i);
  });

  it('the command API answers as its document says', async () => {
    const base = commandApi(stack);
    const doc = await (await fetch(`${base}/openapi.json`)).json();
    const check = openApiValidator(doc);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const created = await post('/api/products', { name: 'Doc', category: 'doc', price: 1, stock: 1 });
    expect(check('/api/products', 'post', created.status, created.body)).toEqual([]);
    expect(check('/api/products', 'post', 400, (await post('/api/products', { name: '' })).body)).toEqual([]);
    const order = await post('/api/orders', { customerId: 1, items: [{ productId: created.body.productId, quantity: 1 }] });
    expect(check('/api/orders', 'post', order.status, order.body)).toEqual([]);
    const short = await post('/api/orders', { customerId: 1, items: [{ productId: created.body.productId, quantity: 5 }] });
    expect(check('/api/orders', 'post', short.status, short.body)).toEqual([]);
    const cancelled = await post(`/api/orders/${order.body.orderId}/cancel`, {});
    expect(check('/api/orders/{id}/cancel', 'post', cancelled.status, cancelled.body)).toEqual([]);
    const again = await post(`/api/orders/${order.body.orderId}/cancel`, {});
    expect(check('/api/orders/{id}/cancel', 'post', again.status, again.body)).toEqual([]);
    expect((await fetch(`${base}/docs/`)).status).toBe(200);
  });
});
