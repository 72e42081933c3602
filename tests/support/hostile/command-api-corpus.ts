import { gzipSync } from 'node:zlib';
import type { ServerTimeouts } from '@shop/shared/http';
import { call, head, JSON_TYPE, raw, timeoutsOf, type HostileCase } from './hostile-case.ts';

/**
 * Hostile requests to every command-API endpoint. The plainer bad requests (one invalid field
 * each) are in tests/int/command-api-bad-requests.int.test.ts; these attack what lies under the
 * validation: framing, encodings, timing, parsers, headers. Where a request would be a valid
 * write but for its hostile part, it names ids that exist, so a lenient server would write.
 */
const CP = 'POST /api/products';
const UP = 'PATCH /api/products/{id}';
const PO = 'POST /api/orders';
const CO = 'POST /api/orders/{id}/cancel';

const product = JSON.stringify({ name: 'Mug', category: 'kitchen', price: 9.99, stock: 5 });
const order = '{"customerId":1,"items":[{"productId":{product},"quantity":1}]}';
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => Buffer.from(p as string)));
const json = (body: string | Buffer, ...headers: [string, string][]) => ({ headers: [JSON_TYPE, ...headers], body });
const withBody = (headers: [string, string][], body: string | Buffer) => ({ headers, body });

export function commandApiCorpus(timeouts: ServerTimeouts): HostileCase[] {
  const within = timeoutsOf(timeouts);
  const framing: HostileCase[] = [
    raw('truncated body: Content-Length 1000, 11 bytes, then the client hangs up', CP, [400], {
      send: head('POST /api/products HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 1000') + '{"name":"x"',
      end: true,
    }),
    raw('truncated order, cut inside an item', PO, [400], {
      send: head('POST /api/orders HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 500') + order.slice(0, 40),
      end: true,
    }),
    raw('truncated PATCH body', UP, [400], {
      send: head('PATCH /api/products/{product} HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 64') + '{"st',
      end: true,
    }),
    raw(
      'slow body: one byte every 250 ms (slow loris)',
      PO,
      [408],
      {
        send: head('POST /api/orders HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 400'),
        trickle: { text: ' '.repeat(400), everyMs: 250 },
      },
      within.request,
    ),
    raw(
      'stalled body: the headers, then silence',
      CP,
      [408],
      { send: head('POST /api/products HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 100') + '{' },
      within.request,
    ),
    raw(
      'slow headers: one header byte every 250 ms (slow loris)',
      CO,
      [408],
      {
        send: 'POST /api/orders/{order}/cancel HTTP/1.1\r\nHost: localhost\r\n',
        trickle: { text: `X-Slow: ${'a'.repeat(400)}`, everyMs: 250 },
      },
      within.headers,
    ),
    raw('idle connection: connects, sends nothing', 'unknown route', [408], { send: '' }, within.headers),
    // Refused (413) only once the body is in, as the parser drains it: the request timeout ends it first.
    raw(
      'Content-Length of 10 GB on a one-byte body',
      CP,
      [408, 413],
      { send: head('POST /api/products HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 10000000000') + '{' },
      within.request,
    ),
    raw('chunked body of 1 MB, no Content-Length to refuse up front', CP, [413], {
      send: `${head('POST /api/products HTTP/1.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked')}100000\r\n${'a'.repeat(0x100000)}\r\n0\r\n\r\n`,
    }),
    call('body of 2 MB', PO, [413], 'POST', '/api/orders', json(`{"customerId":1,"items":[],"pad":"${'x'.repeat(2_000_000)}"}`)),
    raw('Content-Length and Transfer-Encoding together (request smuggling)', CP, [400], {
      send: `${head('POST /api/products HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked')}0\r\n\r\n`,
    }),
    raw('two different Content-Length headers', PO, [400], {
      send: `${head('POST /api/orders HTTP/1.1', 'Content-Type: application/json', 'Content-Length: 2', 'Content-Length: 3')}{}`,
    }),
    raw('chunk size that is not hex', CP, [400], {
      send: `${head('POST /api/products HTTP/1.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked')}zz\r\n{}\r\n0\r\n\r\n`,
    }),
  ];

  const encodings: HostileCase[] = [
    call('deeply nested JSON: 100,000 levels of [', CP, [413], 'POST', '/api/products', json('['.repeat(1e5) + ']'.repeat(1e5))),
    call(
      'deeply nested JSON inside the limit: 50,000 levels',
      PO,
      [400],
      'POST',
      '/api/orders',
      json('['.repeat(5e4) + ']'.repeat(5e4)),
    ),
    call(
      '15,000 nested objects',
      UP,
      [400],
      'PATCH',
      '/api/products/{product}',
      json('{"a":'.repeat(15_000) + '1' + '}'.repeat(15_000)),
    ),
    call('gzip claimed, plain JSON sent', CP, [400], 'POST', '/api/products', json(product, ['content-encoding', 'gzip'])),
    call(
      'deflate claimed, garbage sent',
      PO,
      [400],
      'POST',
      '/api/orders',
      json('x\u0001garbage', ['content-encoding', 'deflate']),
    ),
    call(
      'gzip bomb: 10 MB of spaces in 10 kB',
      CP,
      [413],
      'POST',
      '/api/products',
      json(gzipSync(Buffer.from(`${' '.repeat(10_000_000)}${product}`)), ['content-encoding', 'gzip']),
    ),
    call('unknown Content-Encoding', CP, [415], 'POST', '/api/products', json(product, ['content-encoding', 'compress'])),
    call(
      'UTF-16 body declared as charset=utf-16le',
      CP,
      [415],
      'POST',
      '/api/products',
      withBody([['content-type', 'application/json; charset=utf-16le']], Buffer.from(product, 'utf16le')),
    ),
    call(
      'a list smuggled into the charset',
      PO,
      [415],
      'POST',
      '/api/orders',
      withBody([['content-type', 'application/json; charset=utf-8, text/plain']], order),
    ),
    call(
      'multipart body carrying JSON',
      CP,
      [415],
      'POST',
      '/api/products',
      withBody(
        [['content-type', 'multipart/form-data; boundary=x']],
        `--x\r\nContent-Disposition: form-data; name="json"\r\n\r\n${product}\r\n--x--\r\n`,
      ),
    ),
    raw('two Content-Type headers, JSON first, valid product', CP, [400], {
      send: `${head('POST /api/products HTTP/1.1', 'Content-Type: application/json', 'Content-Type: text/plain', `Content-Length: ${product.length}`)}${product}`,
    }),
  ];

  const unicode: HostileCase[] = [
    call(
      'overlong UTF-8 (C0 AF) in a name',
      CP,
      [400],
      'POST',
      '/api/products',
      json(bytes('{"name":"a', [0xc0, 0xaf], '","category":"c","price":1,"stock":1}')),
    ),
    call('byte 0xFF in a category', UP, [400], 'PATCH', '/api/products/{product}', json(bytes('{"category":"', [0xff], '"}'))),
    call(
      'UTF-8-encoded lone surrogate (ED A0 80) in a name',
      CP,
      [400],
      'POST',
      '/api/products',
      json(bytes('{"name":"', [0xed, 0xa0, 0x80], '","category":"c","price":1,"stock":1}')),
    ),
    call(
      'escaped lone high surrogate in a name',
      CP,
      [400],
      'POST',
      '/api/products',
      json('{"name":"Mug \\ud800","category":"c","price":1,"stock":1}'),
    ),
    call(
      'escaped lone low surrogate in a category',
      UP,
      [400],
      'PATCH',
      '/api/products/{product}',
      json('{"category":"\\udfff"}'),
    ),
    call('escaped NUL in a new name', UP, [400], 'PATCH', '/api/products/{product}', json('{"name":"Mug\\u0000"}')),
    call(
      'raw NUL byte inside a JSON string',
      CP,
      [400],
      'POST',
      '/api/products',
      json(bytes('{"name":"a', [0x00], 'b","category":"c","price":1,"stock":1}')),
    ),
  ];

  const values: HostileCase[] = [
    call('quantity 1e400 (Infinity)', PO, [400], 'POST', '/api/orders', json(order.replace('"quantity":1', '"quantity":1e400'))),
    call(
      'stock of 400 digits',
      CP,
      [400],
      'POST',
      '/api/products',
      json(product.replace('"stock":5', `"stock":${'9'.repeat(400)}`)),
    ),
    call(
      'customerId 1e-400, which underflows to 0',
      PO,
      [400],
      'POST',
      '/api/orders',
      json(order.replace('"customerId":1', '"customerId":1e-400')),
    ),
    call('price -0', UP, [400], 'PATCH', '/api/products/{product}', json('{"price":-0}')),
    call('productId 2^53 + 1', PO, [400], 'POST', '/api/orders', json(order.replace('{product}', '9007199254740993'))),
    call(
      '__proto__ inside an order item',
      PO,
      [400],
      'POST',
      '/api/orders',
      json(order.replace('"quantity":1', '"quantity":1,"__proto__":{"price":0}')),
    ),
    call(
      'constructor.prototype in a product',
      CP,
      [400],
      'POST',
      '/api/products',
      json(`${product.slice(0, -1)},"constructor":{"prototype":{"admin":true}}}`),
    ),
    call(
      'PATCH with a real field and __proto__',
      UP,
      [400],
      'PATCH',
      '/api/products/{product}',
      json('{"stock":7,"__proto__":{"stock":0}}'),
    ),
    call(
      'SQL as an item productId',
      PO,
      [400],
      'POST',
      '/api/orders',
      json(order.replace('{product}', '"1; DROP TABLE products"')),
    ),
    call(
      'Idempotency-Key carrying SQL, valid order',
      PO,
      [400],
      'POST',
      '/api/orders',
      json(order, ['idempotency-key', "x'; DROP TABLE idempotency_keys; --"]),
    ),
    // Node joins repeated headers it does not know with ", ", which makes the key invalid.
    call(
      'two Idempotency-Key headers, valid order',
      PO,
      [400],
      'POST',
      '/api/orders',
      json(order, ['idempotency-key', 'a'], ['idempotency-key', 'b']),
    ),
    raw('Idempotency-Key of non-ASCII bytes, valid order', PO, [400], {
      send: (ids) => {
        const body = order.replace('{product}', String(ids.product));
        return `${head('POST /api/orders HTTP/1.1', 'Content-Type: application/json', 'Idempotency-Key: clé', `Content-Length: ${body.length}`)}${body}`;
      },
    }),
  ];

  const cancel = (name: string, id: string) =>
    call(name, CO, [400], 'POST', `/api/orders/${id}/cancel`, { headers: [JSON_TYPE] });
  const patch = (name: string, id: string) => call(name, UP, [400], 'PATCH', `/api/products/${id}`, json('{"stock":1}'));
  const ids: HostileCase[] = [
    cancel('cancel id 99999999999999999999', '99999999999999999999'),
    cancel('cancel id -1', '-1'),
    cancel('cancel id 1e3', '1e3'),
    cancel('cancel id 0x10', '0x10'),
    cancel('cancel id with SQL: 1;DELETE FROM orders--', '1;DELETE%20FROM%20orders--'),
    cancel('cancel id: percent-encoded lone surrogate', '%ED%A0%80'),
    cancel('cancel id: overlong UTF-8 slash', '%C0%AF'),
    cancel('cancel id: broken percent-encoding', '%'),
    patch("PATCH id with SQL: 1' OR '1'='1", "1'%20OR%20'1'='1"),
    patch('PATCH id 0001', '0001'),
    patch('PATCH id: path traversal', '..%2F..%2Fetc%2Fpasswd'),
    patch('PATCH id: RTL override before the digits', '%E2%80%AE1'),
  ];

  // What a page of another site can send without a CORS preflight: a form, or a no-cors fetch,
  // with no body or a text/plain, form or multipart one. Ids are sequential, so a lenient server
  // would let any web page cancel orders.
  const crossSite: HostileCase[] = [
    call(
      'cancel with no body and no Content-Type (a cross-site form or no-cors fetch)',
      CO,
      [415],
      'POST',
      '/api/orders/{order}/cancel',
    ),
    call(
      'cancel as an empty form post',
      CO,
      [415],
      'POST',
      '/api/orders/{order}/cancel',
      withBody([['content-type', 'application/x-www-form-urlencoded']], ''),
    ),
    call(
      'cancel as an empty text/plain post',
      CO,
      [415],
      'POST',
      '/api/orders/{order}/cancel',
      withBody([['content-type', 'text/plain']], ''),
    ),
    call('order with no body and no Content-Type', PO, [415], 'POST', '/api/orders'),
    call(
      'product as an empty text/plain post',
      CP,
      [415],
      'POST',
      '/api/products',
      withBody([['content-type', 'text/plain']], ''),
    ),
  ];

  const protocol: HostileCase[] = [
    raw('CR inside a header value (header injection)', CO, [400], {
      send: head('POST /api/orders/{order}/cancel HTTP/1.1', 'X-Note: a\rInjected: 1'),
    }),
    raw('LF inside the Idempotency-Key (header injection)', PO, [400], {
      send: head('POST /api/orders HTTP/1.1', 'Idempotency-Key: k\nX-Injected: 1'),
    }),
    raw('obsolete folded header line', CP, [400], {
      send: head('POST /api/products HTTP/1.1', 'Content-Type: application/json', ' folded'),
    }),
    raw('no Host header', PO, [400], { send: 'POST /api/orders HTTP/1.1\r\nContent-Length: 0\r\n\r\n' }),
    raw('unknown method', CP, [400], { send: head('FOO /api/products HTTP/1.1') }),
    raw('HTTP/2 preface on the HTTP/1 port', 'unknown route', [400], { send: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' }),
    raw('request target /api/../../etc/passwd', 'unknown route', [404], {
      send: head('POST /api/../../etc/passwd HTTP/1.1', 'Content-Length: 0'),
    }),
    // Nothing to answer: Node hangs up on a CONNECT nobody handles.
    raw('CONNECT tunnel request', 'unknown route', [], { send: head('CONNECT example.com:443 HTTP/1.1') }),
    call('header of 20 kB', PO, [431], 'POST', '/api/orders', json(order, ['x-filler', 'a'.repeat(20_000)])),
    call('URL of 20 kB', UP, [431], 'PATCH', `/api/products/{product}?${'a'.repeat(20_000)}`, json('{"stock":1}')),
    call('PUT on a product', 'unknown route', [404], 'PUT', '/api/products/{product}', json(product)),
    call('DELETE an order', 'unknown route', [404], 'DELETE', '/api/orders/{order}'),
    call('GET on cancel', 'unknown route', [404], 'GET', '/api/orders/{order}/cancel'),
    call('POST to /health', 'GET /health', [404], 'POST', '/health', json('{}')),
    call('DELETE /metrics', 'GET /metrics', [404], 'DELETE', '/metrics'),
    call('POST /openapi.json', 'GET /openapi.json', [404], 'POST', '/openapi.json', json('{}')),
    call('POST to the docs page', 'GET /docs', [404], 'POST', '/docs/', json('{}')),
  ];

  return [...framing, ...encodings, ...unicode, ...values, ...ids, ...crossSite, ...protocol];
}
