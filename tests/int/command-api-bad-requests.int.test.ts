import { beforeAll, describe, expect, inject, it } from 'vitest';
import { request, commandApiForThisFile } from '../support/command-api.ts';
import { writeSnapshot } from '../support/write-snapshot.ts';

const stack = inject('stack');
const api = commandApiForThisFile(stack);
let productId: number;
let orderId: number;

beforeAll(async () => {
  const product = await request(`${api.url}/api/products`, {
    method: 'POST',
    json: { name: 'Base', category: 'c', price: 10, stock: 50 },
  });
  productId = product.body.productId as number;
  const order = await request(`${api.url}/api/orders`, {
    method: 'POST',
    json: { customerId: 1, items: [{ productId, quantity: 1 }] },
  });
  orderId = order.body.orderId as number;
});

const JSON_TYPE = { 'content-type': 'application/json' };
const product = (overrides: Record<string, unknown>) =>
  JSON.stringify({ name: 'N', category: 'c', price: 1, stock: 1, ...overrides });
const order = (overrides: Record<string, unknown>) =>
  JSON.stringify({ customerId: 1, items: [{ productId: 1, quantity: 1 }], ...overrides });
const line = (overrides: Record<string, unknown>) => order({ items: [{ productId: 1, quantity: 1, ...overrides }] });

interface BadRequest {
  name: string;
  method?: string;
  path: string | (() => string);
  body?: string | (() => string);
  headers?: Record<string, string>;
  status: number;
  error: string;
}

const P = '/api/products';
const O = '/api/orders';
const cases: BadRequest[] = [
  { name: 'malformed JSON', path: P, body: '{"name":', status: 400, error: 'malformed_json' },
  {
    name: 'truncated JSON object',
    path: O,
    body: '{"customerId": 1, "items": [{"productId": 1',
    status: 400,
    error: 'malformed_json',
  },
  {
    name: 'text/plain body',
    path: P,
    body: 'hello',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    error: 'unsupported_media_type',
  },
  {
    name: 'form body',
    path: P,
    body: 'name=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    error: 'unsupported_media_type',
  },
  {
    name: 'unsupported charset',
    path: P,
    body: product({}),
    headers: { 'content-type': 'application/json; charset=latin1' },
    status: 415,
    error: 'unsupported_media_type',
  },
  { name: 'no body', path: P, body: '', status: 400, error: 'validation_failed' },
  { name: 'array body', path: P, body: '[1,2]', status: 400, error: 'validation_failed' },
  { name: 'bare string body', path: P, body: '"x"', status: 400, error: 'malformed_json' },
  { name: 'empty name', path: P, body: product({ name: '' }), status: 400, error: 'validation_failed' },
  { name: 'blank name', path: P, body: product({ name: '   ' }), status: 400, error: 'validation_failed' },
  { name: 'name of 201 characters', path: P, body: product({ name: 'x'.repeat(201) }), status: 400, error: 'validation_failed' },
  { name: 'numeric name', path: P, body: product({ name: 5 }), status: 400, error: 'validation_failed' },
  {
    name: 'category of 101 characters',
    path: P,
    body: product({ category: 'c'.repeat(101) }),
    status: 400,
    error: 'validation_failed',
  },
  { name: 'NUL in name', path: P, body: product({ name: 'a\u0000b' }), status: 400, error: 'validation_failed' },
  { name: 'negative price', path: P, body: product({ price: -1 }), status: 400, error: 'validation_failed' },
  { name: 'zero price', path: P, body: product({ price: 0 }), status: 400, error: 'validation_failed' },
  { name: 'price over a million', path: P, body: product({ price: 1_000_000.01 }), status: 400, error: 'validation_failed' },
  { name: 'price with three decimals', path: P, body: product({ price: 1.005 }), status: 400, error: 'validation_failed' },
  { name: 'price as string', path: P, body: product({ price: '29.99' }), status: 400, error: 'validation_failed' },
  {
    name: 'price overflowing to Infinity',
    path: P,
    body: '{"name":"n","category":"c","price":1e400,"stock":1}',
    status: 400,
    error: 'validation_failed',
  },
  { name: 'null price', path: P, body: product({ price: null }), status: 400, error: 'validation_failed' },
  { name: 'negative stock', path: P, body: product({ stock: -1 }), status: 400, error: 'validation_failed' },
  { name: 'fractional stock', path: P, body: product({ stock: 1.5 }), status: 400, error: 'validation_failed' },
  { name: 'stock over a billion', path: P, body: product({ stock: 1_000_000_001 }), status: 400, error: 'validation_failed' },
  { name: 'unknown field', path: P, body: product({ admin: true }), status: 400, error: 'validation_failed' },
  {
    name: 'prototype pollution key',
    path: P,
    body: '{"name":"n","category":"c","price":1,"stock":1,"__proto__":{"x":1}}',
    status: 400,
    error: 'validation_failed',
  },
  { name: 'body over the limit', path: P, body: product({ name: 'x'.repeat(200_000) }), status: 413, error: 'payload_too_large' },
  { name: 'deeply nested JSON', path: P, body: '['.repeat(20_000) + ']'.repeat(20_000), status: 400, error: 'validation_failed' },
  { name: 'customerId zero', path: O, body: order({ customerId: 0 }), status: 400, error: 'validation_failed' },
  {
    name: 'customerId beyond int32',
    path: O,
    body: order({ customerId: 2_147_483_648 }),
    status: 400,
    error: 'validation_failed',
  },
  { name: 'customerId as string', path: O, body: order({ customerId: '1' }), status: 400, error: 'validation_failed' },
  { name: 'customerId SQL injection', path: O, body: order({ customerId: '1 OR 1=1' }), status: 400, error: 'validation_failed' },
  {
    name: 'missing customerId',
    path: O,
    body: JSON.stringify({ items: [{ productId: 1, quantity: 1 }] }),
    status: 400,
    error: 'validation_failed',
  },
  { name: 'empty items', path: O, body: order({ items: [] }), status: 400, error: 'validation_failed' },
  {
    name: '101 items',
    path: O,
    body: order({ items: Array.from({ length: 101 }, (_, i) => ({ productId: i + 1, quantity: 1 })) }),
    status: 400,
    error: 'validation_failed',
  },
  {
    name: 'items not an array',
    path: O,
    body: order({ items: { productId: 1, quantity: 1 } }),
    status: 400,
    error: 'validation_failed',
  },
  { name: 'items null', path: O, body: order({ items: null }), status: 400, error: 'validation_failed' },
  { name: 'quantity zero', path: O, body: line({ quantity: 0 }), status: 400, error: 'validation_failed' },
  { name: 'quantity over 10,000', path: O, body: line({ quantity: 10_001 }), status: 400, error: 'validation_failed' },
  { name: 'fractional quantity', path: O, body: line({ quantity: 1.5 }), status: 400, error: 'validation_failed' },
  { name: 'negative productId', path: O, body: line({ productId: -1 }), status: 400, error: 'validation_failed' },
  { name: 'item price with three decimals', path: O, body: line({ price: 0.001 }), status: 400, error: 'validation_failed' },
  { name: 'unknown item field', path: O, body: line({ discount: 5 }), status: 400, error: 'validation_failed' },
  {
    name: 'unknown product',
    path: O,
    body: () =>
      order({
        items: [
          { productId, quantity: 1 },
          { productId: 2_000_000_000, quantity: 1 },
        ],
      }),
    status: 422,
    error: 'unknown_product',
  },
  {
    name: 'conflicting prices on repeated lines',
    path: O,
    body: () =>
      order({
        items: [
          { productId, quantity: 1, price: 10 },
          { productId, quantity: 1, price: 11 },
        ],
      }),
    status: 409,
    error: 'price_mismatch',
  },
  {
    name: 'more than the stock',
    path: O,
    body: () => order({ items: [{ productId, quantity: 51 }] }),
    status: 409,
    error: 'insufficient_stock',
  },
  {
    name: 'idempotency key too long',
    path: O,
    body: () => order({ items: [{ productId, quantity: 1 }] }),
    headers: { 'idempotency-key': 'k'.repeat(201) },
    status: 400,
    error: 'validation_failed',
  },
  {
    name: 'idempotency key with a newline-free control char',
    path: O,
    body: () => order({ items: [{ productId, quantity: 1 }] }),
    headers: { 'idempotency-key': 'a\tb' },
    status: 400,
    error: 'validation_failed',
  },
  { name: 'PATCH malformed id', method: 'PATCH', path: `${P}/abc`, body: product({}), status: 400, error: 'validation_failed' },
  {
    name: 'PATCH id beyond int32',
    method: 'PATCH',
    path: `${P}/99999999999`,
    body: '{"stock":1}',
    status: 400,
    error: 'validation_failed',
  },
  {
    name: 'PATCH id with SQL injection',
    method: 'PATCH',
    path: `${P}/1;DROP%20TABLE%20products`,
    body: '{"stock":1}',
    status: 400,
    error: 'validation_failed',
  },
  {
    name: 'PATCH without fields',
    method: 'PATCH',
    path: () => `${P}/${productId}`,
    body: '{}',
    status: 400,
    error: 'validation_failed',
  },
  {
    name: 'PATCH unknown field',
    method: 'PATCH',
    path: () => `${P}/${productId}`,
    body: '{"colour":"red"}',
    status: 400,
    error: 'validation_failed',
  },
  {
    name: 'PATCH unknown product',
    method: 'PATCH',
    path: `${P}/2000000000`,
    body: '{"stock":1}',
    status: 404,
    error: 'not_found',
  },
  { name: 'cancel id zero', path: `${O}/0/cancel`, status: 400, error: 'validation_failed' },
  { name: 'cancel id with injection', path: `${O}/1%20OR%201=1/cancel`, status: 400, error: 'validation_failed' },
  { name: 'cancel unknown order', path: `${O}/2000000000/cancel`, status: 404, error: 'not_found' },
  { name: 'second cancel', path: () => `${O}/${orderId}/cancel`, status: 409, error: 'already_cancelled' },
  { name: 'unknown route', method: 'GET', path: '/api/nothing', status: 404, error: 'not_found' },
  { name: 'DELETE on products', method: 'DELETE', path: () => `${P}/${productId}`, status: 404, error: 'not_found' },
];

describe('bad requests to the command API', () => {
  it(`covers at least thirty distinct bad requests (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it('the second cancel case starts from a cancelled order', async () => {
    expect((await request(`${api.url}${O}/${orderId}/cancel`, { method: 'POST', headers: JSON_TYPE })).status).toBe(200);
  });

  it.each(cases)('$name → $status $error, nothing written', async (c) => {
    const before = await writeSnapshot(api.pool);
    const path = typeof c.path === 'function' ? c.path() : c.path;
    const body = typeof c.body === 'function' ? c.body() : c.body;
    const method = c.method ?? 'POST';
    const res = await request(`${api.url}${path}`, {
      method,
      // A client's requests as sent: JSON said on every POST, the bodyless cancel's too.
      headers: { ...(method === 'GET' ? {} : JSON_TYPE), ...c.headers },
      ...(body === undefined || method === 'GET' ? {} : { body }),
    });
    expect(res.status).toBe(c.status);
    expect(res.body.error).toBe(c.error);
    expect(typeof res.body.message).toBe('string');
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(await writeSnapshot(api.pool)).toEqual(before);
  });
});
