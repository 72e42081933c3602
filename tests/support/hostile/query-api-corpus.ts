import type { ServerTimeouts } from '@shop/shared/http';
import { TEST_CONSOLE_TOKEN } from '../../../infra/src/stack-config.ts';
import { call, head, JSON_TYPE, raw, timeoutsOf, type HostileCase } from './hostile-case.ts';

/**
 * Hostile requests to every query-API endpoint: it takes no bodies, so the attacks are on ids,
 * path and query parameters, methods, headers and timing. All ids, categories and dates that
 * reach a query must be refused before it runs (a Postgres error would be a 500). Only the
 * console's actions take a body (JSON, with the admin token); they are named last.
 */
const P = 'GET /api/products';
const PI = 'GET /api/products/{id}';
const OI = 'GET /api/orders/{id}';
const OE = 'GET /api/orders/{id}/events';
const PE = 'GET /api/products/{id}/events';
const SALES = 'GET /api/analytics/products/{id}/sales';
const CATEGORY = 'GET /api/analytics/categories/{category}/revenue';
const LTV = 'GET /api/analytics/customers/{id}/lifetime-value';
const HOURLY = 'GET /api/analytics/hourly-sales';
const SYNC = 'GET /api/analytics/sync-status';
const REDRIVE = 'POST /console/api/dead-letters/redrive';
const OPERATIONS = 'POST /console/api/operations';

const get = (name: string, endpoint: string, path: string) => call(name, endpoint, [400], 'GET', path);

export function queryApiCorpus(timeouts: ServerTimeouts): HostileCase[] {
  const within = timeoutsOf(timeouts);
  const ids: HostileCase[] = [
    get("product id with SQL: 1' OR '1'='1", PI, "/api/products/1'%20OR%20'1'='1"),
    get('product id -1', PI, '/api/products/-1'),
    get('product id 1e3', PI, '/api/products/1e3'),
    get('product id 0x10', PI, '/api/products/0x10'),
    get('product id 99999999999999999999', PI, '/api/products/99999999999999999999'),
    get('order id: percent-encoded lone surrogate', OI, '/api/orders/%ED%A0%80'),
    get('order id: overlong UTF-8 slash', OI, '/api/orders/%C0%AF'),
    get('order id with a NUL byte', OI, '/api/orders/1%00'),
    get('order id: path traversal', OI, '/api/orders/..%2F..%2Fetc%2Fpasswd'),
    get('sales of product 1.5', SALES, '/api/analytics/products/1.5/sales'),
    get('sales of product 2^31', SALES, '/api/analytics/products/2147483648/sales'),
    get('lifetime value, id with SQL', LTV, '/api/analytics/customers/1;DROP%20TABLE%20customer_value/lifetime-value'),
    get('lifetime value, id with spaces and full-width digits', LTV, '/api/analytics/customers/%20%EF%BC%91/lifetime-value'),
    get("order history, id with SQL: 1' OR '1'='1", OE, "/api/orders/1'%20OR%20'1'='1/events"),
    get('product history of id 2^31', PE, '/api/products/2147483648/events'),
  ];

  // The history's cursor and page size, and time travel's instant: bounded before any query runs.
  const history: HostileCase[] = [
    get('order history after -1', OE, '/api/orders/1/events?after=-1'),
    get('order history after 1.5', OE, '/api/orders/1/events?after=1.5'),
    get('order history after given twice', OE, '/api/orders/1/events?after=1&after=2'),
    get('order history limit 0', OE, '/api/orders/1/events?limit=0'),
    get('product history limit 501', PE, '/api/products/1/events?limit=501'),
    get('product history limit NaN', PE, '/api/products/1/events?limit=NaN'),
    get('order as of yesterday (not a time)', OI, '/api/orders/1?asOf=yesterday'),
    get('order as of a date without a time', OI, '/api/orders/1?asOf=2026-12-07'),
    get('order as of year 0 (Postgres has none)', OI, '/api/orders/1?asOf=0000-01-01T00:00:00Z'),
    get('product as of February 30', PI, '/api/products/1?asOf=2026-02-30T00:00:00Z'),
    get('product as of an offset of -23:59', PI, '/api/products/1?asOf=2026-12-07T00:00:00-23:59'),
    get('product as of SQL', PI, "/api/products/1?asOf=1'%20OR%201=1--"),
    get('product as of given twice', PI, '/api/products/1?asOf=2026-12-07T00:00:00Z&asOf=2026-12-08T00:00:00Z'),
  ];

  const text: HostileCase[] = [
    get('category NUL', CATEGORY, '/api/analytics/categories/%00/revenue'),
    get('category with a percent-encoded lone surrogate', CATEGORY, '/api/analytics/categories/a%ED%A0%80/revenue'),
    get('category with broken percent-encoding', CATEGORY, '/api/analytics/categories/%E0%A4%A/revenue'),
    get('category of 101 characters', CATEGORY, `/api/analytics/categories/${'c'.repeat(101)}/revenue`),
    get('category filter NUL', P, '/api/products?category=%00'),
    get('category filter of 101 characters', P, `/api/products?category=${'c'.repeat(101)}`),
    get('category filter given twice', P, '/api/products?category=a&category=b'),
    get('limit -1', P, '/api/products?limit=-1'),
    get('limit 99999999999999999999', P, '/api/products?limit=99999999999999999999'),
    get('offset 1e400 (Infinity)', P, '/api/products?offset=1e400'),
    get('limit NaN', P, '/api/products?limit=NaN'),
    get('limit given twice', P, '/api/products?limit=1&limit=2'),
    get('hourly sales from year 0 (Postgres has none)', HOURLY, '/api/analytics/hourly-sales?from=0000-01-01T00:00:00Z'),
    get(
      'hourly sales to an offset of -23:59 (Postgres allows ±15:59)',
      HOURLY,
      '/api/analytics/hourly-sales?to=9999-12-31T23:59:59-23:59',
    ),
    get('hourly sales from SQL', HOURLY, "/api/analytics/hourly-sales?from=1'%20OR%201=1--"),
    get('hourly sales from February 30', HOURLY, '/api/analytics/hourly-sales?from=2026-02-30T00:00:00Z'),
    get(
      'hourly sales from given twice',
      HOURLY,
      '/api/analytics/hourly-sales?from=2026-01-01T00:00:00Z&from=2026-01-02T00:00:00Z',
    ),
  ];

  const methods: HostileCase[] = [
    call('POST a product to the read side', P, [404], 'POST', '/api/products', { headers: [JSON_TYPE], body: '{"name":"x"}' }),
    call('DELETE an order on the read side', OI, [404], 'DELETE', '/api/orders/1'),
    call('PUT sync-status', SYNC, [404], 'PUT', '/api/analytics/sync-status', { headers: [JSON_TYPE], body: '{"lagSeconds":0}' }),
    call('POST /health', 'GET /health', [404], 'POST', '/health'),
    call('PATCH /metrics', 'GET /metrics', [404], 'PATCH', '/metrics'),
    call('POST /openapi.json', 'GET /openapi.json', [404], 'POST', '/openapi.json'),
    call('DELETE the docs page', 'GET /docs', [404], 'DELETE', '/docs/'),
    call('unknown route under /api', 'unknown route', [404], 'GET', '/api/analytics/nothing'),
  ];

  const protocol: HostileCase[] = [
    raw('request target /../../etc/passwd', 'unknown route', [404], { send: head('GET /../../etc/passwd HTTP/1.1') }),
    raw('CR inside a header value (header injection)', SYNC, [400], {
      send: head('GET /api/analytics/sync-status HTTP/1.1', 'X-Note: a\rSet-Cookie: x=1'),
    }),
    raw('Content-Length and Transfer-Encoding together (request smuggling)', P, [400], {
      send: `${head('GET /api/products HTTP/1.1', 'Content-Length: 5', 'Transfer-Encoding: chunked')}0\r\n\r\n`,
    }),
    raw('unknown method', 'GET /health', [400], { send: head('FOO /health HTTP/1.1') }),
    raw('no Host header', 'GET /health', [400], { send: 'GET /health HTTP/1.1\r\n\r\n' }),
    // The read side never reads a body: a route it lacks answers before the body is complete.
    raw('truncated body on a read route', P, [400, 404], {
      send: head('POST /api/products HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 1000') + '{"na',
      end: true,
    }),
    raw(
      'slow headers: one header byte every 250 ms (slow loris)',
      HOURLY,
      [408],
      {
        send: 'GET /api/analytics/hourly-sales HTTP/1.1\r\nHost: localhost\r\n',
        trickle: { text: `X-Slow: ${'a'.repeat(400)}`, everyMs: 250 },
      },
      within.headers,
    ),
    raw('idle connection: connects, sends nothing', 'unknown route', [408], { send: '' }, within.headers),
    raw(
      'request line trickled and never finished',
      'GET /metrics',
      [408],
      { send: 'GET /metr', trickle: { text: 'ics'.repeat(100), everyMs: 250 } },
      within.headers,
    ),
    call('header of 20 kB', 'GET /health', [431], 'GET', '/health', { headers: [['cookie', 'a'.repeat(20_000)]] }),
    call('URL of 20 kB', P, [431], 'GET', `/api/products?category=${'a'.repeat(20_000)}`),
  ];

  // The console's actions are POSTs too: JSON only, even with the admin token and no body.
  const admin: [string, string] = ['authorization', `Bearer ${TEST_CONSOLE_TOKEN}`];
  const console: HostileCase[] = [
    call(
      'console re-drive with the admin token, no body and no Content-Type',
      REDRIVE,
      [415],
      'POST',
      '/console/api/dead-letters/redrive',
      {
        headers: [admin],
      },
    ),
    call(
      'console operation with the admin token as an empty text/plain post',
      OPERATIONS,
      [415],
      'POST',
      '/console/api/operations',
      {
        headers: [admin, ['content-type', 'text/plain']],
        body: '',
      },
    ),
  ];

  return [...ids, ...text, ...history, ...methods, ...protocol, ...console];
}
