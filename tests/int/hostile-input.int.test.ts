import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { serverTimeouts } from '@shop/shared/config';
import { commandApiDocument } from '../../command-api/src/http/openapi.ts';
import { queryApiDocument } from '../../query-api/src/http/openapi.ts';
import { logFile, stackDirs } from '../../infra/src/native/processes.ts';
import { commandApi, eventually, queryApi, stackDatabases } from '../support/clients.ts';
import { commandApiForThisFile, request } from '../support/command-api.ts';
import { commandApiCorpus } from '../support/hostile/command-api-corpus.ts';
import {
  expectRefused,
  QUICK_MS,
  raw,
  sendHostile,
  timeoutsOf,
  uncovered,
  type HostileCase,
  type Ids,
} from '../support/hostile/hostile-case.ts';
import { queryApiCorpus } from '../support/hostile/query-api-corpus.ts';
import { serviceErrorLog, serverErrorResponses } from '../support/hostile/service-health.ts';
import { writeSnapshot } from '../support/write-snapshot.ts';

const stack = inject('stack');
// The test stack's own short timeouts, which its query API and projector processes run with too.
const timeouts = serverTimeouts(stack);
/** Errors the in-process command API logs: a 500 is logged even when the client has gone and never sees it. */
const commandErrors: string[] = [];
const errorLog = pino({ level: 'error' }, { write: (line: string) => void commandErrors.push(line) });
const api = commandApiForThisFile(stack, { timeouts, log: errorLog });

const commandCases = commandApiCorpus(timeouts);
const queryCases = queryApiCorpus(timeouts);
const projectorCases = [
  raw('projector: idle connection', 'GET /health', [408], { send: '' }, timeoutsOf(timeouts).headers),
  raw(
    'projector: slow headers',
    'GET /health',
    [408],
    { send: 'GET /health HTTP/1.1\r\nHost: localhost\r\n', trickle: { text: `X-Slow: ${'a'.repeat(400)}`, everyMs: 250 } },
    timeoutsOf(timeouts).headers,
  ),
];
/** Cases that wait out a server timeout run side by side; the others one after another. */
const waits = (c: HostileCase) => c.withinMs > QUICK_MS;

describe('the hostile corpus', () => {
  it(`has at least fifty requests (${commandCases.length} command API, ${queryCases.length} query API), each to be refused with a 4xx`, () => {
    const all = [...commandCases, ...queryCases];
    expect(all.length).toBeGreaterThanOrEqual(50);
    for (const cases of [commandCases, queryCases]) expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of all) for (const status of c.status) expect(status >= 400 && status < 500, c.name).toBe(true);
  });

  it('aims at every documented operation of both APIs, and at metrics, docs, OpenAPI and unknown routes', () => {
    expect(uncovered(commandApiDocument, commandCases)).toEqual([]);
    expect(uncovered(queryApiDocument, queryCases)).toEqual([]);
    for (const cases of [commandCases, queryCases]) {
      const aimed = cases.map((c) => c.endpoint);
      for (const endpoint of ['GET /metrics', 'GET /docs', 'GET /openapi.json', 'unknown route'])
        expect(aimed).toContain(endpoint);
    }
  });
});

describe('hostile requests to the command API', () => {
  const ids = {} as Ids;
  let before: Record<string, unknown>;
  const port = () => Number(new URL(api.url).port);

  beforeAll(async () => {
    const product = await request(`${api.url}/api/products`, {
      method: 'POST',
      json: { name: 'Target', category: 'c', price: 9.99, stock: 50 },
    });
    ids.product = product.body.productId as number;
    const order = await request(`${api.url}/api/orders`, {
      method: 'POST',
      json: { customerId: 1, items: [{ productId: ids.product, quantity: 1 }] },
    });
    ids.order = order.body.orderId as number;
    before = await writeSnapshot(api.pool);
  });

  it.each(commandCases.filter((c) => !waits(c)))('$name', async (c) => {
    expectRefused(c, await sendHostile(port(), c, ids));
  });

  it.concurrent.each(commandCases.filter(waits))('$name: cut off by the server timeout', async (c) => {
    expectRefused(c, await sendHostile(port(), c, ids));
  });

  it('wrote nothing, logged no server error, and still answers /health', async () => {
    expect(await writeSnapshot(api.pool)).toEqual(before);
    expect(commandErrors).toEqual([]);
    expect((await request(`${api.url}/health`)).status).toBe(200);
  });
});

describe("hostile requests to the query API (the test stack's process)", () => {
  const ids: Ids = { product: 1, order: 1 };
  const dbs = stackDatabases(stack);
  const port = stack.QUERY_API_PORT;
  const errors = serviceErrorLog(stack, 'query-api');
  let before: Record<string, unknown>;
  let fiveHundreds: number;

  beforeAll(async () => {
    before = await writeSnapshot(dbs.write);
    fiveHundreds = await serverErrorResponses(port);
    errors.mark();
  });

  it.each(queryCases.filter((c) => !waits(c)))('$name', async (c) => {
    expectRefused(c, await sendHostile(port, c, ids));
  });

  it.concurrent.each(queryCases.filter(waits))('$name: cut off by the server timeout', async (c) => {
    expectRefused(c, await sendHostile(port, c, ids));
  });

  it('wrote nothing, answered and logged no 5xx, and still answers /health', async () => {
    expect(await writeSnapshot(dbs.write)).toEqual(before);
    expect(await serverErrorResponses(port)).toBe(fiveHundreds);
    expect(errors.since()).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});

describe("slow clients on the projector's health port", () => {
  it.concurrent.each(projectorCases)('$name: cut off by the server timeout', async (c) => {
    expectRefused(c, await sendHostile(stack.PROJECTOR_PORT, c, { product: 1, order: 1 }));
  });
});

describe('odd but valid input is accepted and kept exactly as sent', () => {
  const name = "☕ Mug 🇩🇪 كوب \u202Egpj.exe'); DROP TABLE products;--";
  const category = 'кухня 🍳 \u200d';

  it('a product named with emoji, right-to-left text, a bidi override and SQL is stored as sent', async () => {
    const res = await request(`${api.url}/api/products`, { method: 'POST', json: { name, category, price: 1, stock: 1 } });
    expect(res.status).toBe(201);
    const { rows } = await api.pool.query('SELECT name, category FROM products WHERE id = $1::int', [res.body.productId]);
    expect(rows).toEqual([{ name, category }]);
  });

  it('the query API matches such text as sent, and an SQL-looking filter matches nothing', async () => {
    const q = `http://127.0.0.1:${stack.QUERY_API_PORT}`;
    const revenue = await fetch(`${q}/api/analytics/categories/${encodeURIComponent(category)}/revenue`);
    expect(revenue.status).toBe(200);
    expect(await revenue.json()).toEqual({ category, totalRevenue: 0, totalOrders: 0 });
    const filtered = await fetch(`${q}/api/products?category=${encodeURIComponent("' OR '1'='1")}`);
    expect(filtered.status).toBe(200);
    expect(await filtered.json()).toEqual([]);
  });

  it('query strings are decoded leniently: bytes that are not UTF-8 become U+FFFD and match nothing', async () => {
    const res = await fetch(`http://127.0.0.1:${stack.QUERY_API_PORT}/api/products?category=%ED%A0%80`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('a path traversal under /docs gets the docs page, never a file from outside it', async () => {
    for (const port of [Number(new URL(api.url).port), stack.QUERY_API_PORT]) {
      const res = await fetch(`http://127.0.0.1:${port}/docs/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json`);
      const text = await res.text();
      expect([200, 404]).toContain(res.status);
      expect(text).not.toContain('"workspaces"');
      expect(text).not.toContain('"dependencies"');
    }
  });
});

describe('secrets sent in headers reach no log', () => {
  const logs = stackDirs(stack.stackDir).logs;
  const logged = (file: string) => readFileSync(join(logs, file), 'utf8');

  it("a marker sent as Authorization and Cookie to both APIs is in none of the stack's logs", async () => {
    const marker = `marker-${randomUUID()}`;
    const secrets = { authorization: `Bearer ${marker}`, cookie: `session=${marker}; theme=dark` };
    const json = { ...secrets, 'content-type': 'application/json' };
    const command = commandApi(stack);
    const query = queryApi(stack);
    // Refused or read-only requests, so nothing is written: each is still logged as a request line.
    await fetch(`${command}/api/products`, { method: 'POST', headers: json, body: '{}' });
    await fetch(`${command}/health`, { headers: secrets });
    await fetch(`${query}/api/products?limit=1`, { headers: secrets });
    await fetch(`${query}/console/api/dead-letters`, { headers: secrets });
    await fetch(`${query}/console/api/operations`, { method: 'POST', headers: json, body: '{"kind":"reconcile"}' });
    // Each API logs a request once it has answered it: a last request found in its log means the
    // ones before are written too.
    const last = `/last-request-${randomUUID()}`;
    await fetch(`${command}${last}`);
    await fetch(`${query}${last}`);
    const dirs = stackDirs(stack.stackDir);
    await eventually(async () =>
      [logFile(dirs, 'command-api'), logFile(dirs, 'query-api')].every((file) => readFileSync(file, 'utf8').includes(last))
        ? true
        : undefined,
    );
    const files = readdirSync(logs).filter((f) => f.endsWith('.log'));
    expect(files).toEqual(expect.arrayContaining(['command-api.log', 'query-api.log']));
    expect(files.filter((file) => logged(file).includes(marker))).toEqual([]);
  });
});
