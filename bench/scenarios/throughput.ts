import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { BenchContext } from '../context.ts';
import { waitUntilDrained } from '../context.ts';
import type { Progress } from './freshness.ts';

export interface HttpVsSql {
  name: string;
  http: { requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number };
  sql: { transactionsPerSecond: number; avgLatencyMs: number };
  ratio: number;
  /** For the command API: pipeline lag sampled while it ran at its maximum rate. */
  lag?: { maxEventsBehind: number; maxLagSeconds: number; drainedSecondsAfterLoad: number };
}

const CONNECTIONS = 16;

/** Closed-loop HTTP load with autocannon for `seconds`, bodies made per request. */
async function cannon(
  url: string,
  seconds: number,
  method: 'GET' | 'POST',
  body: (i: number) => string | undefined,
  progress: (s: number) => void,
) {
  let i = 0;
  const started = Date.now();
  const ticker = setInterval(() => progress(Math.round((Date.now() - started) / 1000)), 500);
  try {
    return await autocannon({
      url,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method,
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, ...(method === 'POST' ? { body: body(i++) } : { path: body(i++) }) }),
        },
      ],
    });
  } finally {
    clearInterval(ticker);
  }
}

/** pgbench with a custom script against one database: tps and average latency. */
function pgbench(ctx: BenchContext, database: string, script: string, seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const file = join(dir, 'script.sql');
  writeFileSync(file, script);
  const out = execFileSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(CONNECTIONS),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-f',
      file,
      '-h',
      ctx.stack.PG_HOST,
      '-p',
      String(ctx.stack.PG_PORT),
      '-U',
      ctx.stack.PG_USER,
      database,
    ],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: ctx.stack.PG_PASSWORD } },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  return { transactionsPerSecond: tps, avgLatencyMs: latency };
}

/** The order transaction of the command API, as plain SQL: lock, take stock, order, line, two outbox events. */
const ORDER_TRANSACTION = (products: number[]) => `\\set k random(0, ${products.length - 1})
\\set pid ${products[0]} + :k
BEGIN;
SELECT id, name, category, price, stock FROM products WHERE id = :pid ORDER BY id FOR UPDATE;
UPDATE products SET stock = stock - 1, updated_at = now() WHERE id = :pid RETURNING id, name, category, price, stock;
INSERT INTO orders (customer_id, status, total) VALUES (1, 'placed', 10.00) RETURNING id, placed_at;
INSERT INTO order_items (order_id, product_id, category, quantity, unit_price, line_total)
  VALUES (currval(pg_get_serial_sequence('orders', 'id')), :pid, 'bench', 1, 10.00, 10.00);
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, schema_version) VALUES
  (gen_random_uuid(), 'order', currval(pg_get_serial_sequence('orders', 'id'))::text, 'OrderPlaced',
   jsonb_build_object('orderId', currval(pg_get_serial_sequence('orders', 'id')), 'customerId', 1, 'placedAt', now(), 'total', 10,
     'items', jsonb_build_array(jsonb_build_object('productId', :pid, 'category', 'bench', 'quantity', 1, 'unitPrice', 10, 'lineTotal', 10))), 1),
  (gen_random_uuid(), 'product', :pid::text, 'ProductUpdated',
   jsonb_build_object('productId', :pid, 'name', 'Bench', 'category', 'bench', 'price', 10, 'stock', 1), 1);
END;
`;

export async function commandApiThroughput(ctx: BenchContext, seconds: number, progress: Progress): Promise<HttpVsSql> {
  const samples: { behind: number; lag: number }[] = [];
  const sampler = setInterval(() => void sample(ctx, samples), 500);
  // The same shape as the pgbench script: one line, a product drawn from the workload's 20.
  const body = (i: number) =>
    JSON.stringify({
      customerId: 1 + (i % 500),
      items: [{ productId: ctx.products[(i * 7) % ctx.products.length]!, quantity: 1 }],
    });
  const result = await cannon(`${ctx.commandApi}/api/orders`, seconds, 'POST', body, (s) =>
    progress('command API (autocannon)', s, seconds),
  ).finally(() => clearInterval(sampler));
  const loadEnded = Date.now();
  await waitUntilDrained(ctx, 300_000, (left) => progress('command API: pipeline draining', 0, Math.max(1, left)));
  const drainedSecondsAfterLoad = (Date.now() - loadEnded) / 1000;
  progress('pgbench: same transaction', 0, 1);
  // Contiguous ids: the products were created first, in one go.
  const sorted = [...ctx.products].sort((a, b) => a - b);
  const sql = pgbench(ctx, ctx.stack.WRITE_DB_NAME, ORDER_TRANSACTION(sorted), seconds);
  progress('pgbench: same transaction', 1, 1);
  await waitUntilDrained(ctx, 300_000);
  return {
    name: 'POST /api/orders',
    http: summary(result),
    sql,
    ratio: result.requests.average / sql.transactionsPerSecond,
    lag: {
      maxEventsBehind: Math.max(0, ...samples.map((s) => s.behind)),
      maxLagSeconds: Math.max(0, ...samples.map((s) => s.lag)),
      drainedSecondsAfterLoad,
    },
  };
}

export async function queryApiThroughput(ctx: BenchContext, seconds: number, progress: Progress): Promise<HttpVsSql> {
  const products = ctx.products;
  const result = await cannon(
    `${ctx.queryApi}/api/analytics/products/${products[0]}/sales`,
    seconds,
    'GET',
    (i) => {
      const kind = i % 3;
      if (kind === 0) return `/api/analytics/products/${products[i % products.length]}/sales`;
      if (kind === 1) return `/api/analytics/categories/bench-${i % 5}/revenue`;
      return `/api/analytics/customers/${1 + (i % 500)}/lifetime-value`;
    },
    (s) => progress('query API analytics (autocannon)', s, seconds),
  );
  const script = `\\set k random(0, 2)
\\set pid random(${Math.min(...products)}, ${Math.max(...products)})
\\set cid random(1, 500)
SELECT quantity_sold::text, revenue::text, order_count FROM read.product_sales WHERE product_id = :pid;
SELECT revenue::text, order_count FROM read.category_revenue WHERE category = 'bench-' || (:cid % 5);
SELECT total_spent::text, order_count, last_order_date FROM read.customer_value WHERE customer_id = :cid;
`;
  progress('pgbench: same queries', 0, 1);
  const raw = pgbench(ctx, ctx.stack.READ_DB_NAME, script, seconds);
  // One pgbench transaction runs the three queries that three HTTP requests run.
  const sql = { transactionsPerSecond: raw.transactionsPerSecond * 3, avgLatencyMs: raw.avgLatencyMs / 3 };
  return {
    name: 'GET /api/analytics/* (products, categories, customers)',
    http: summary(result),
    sql,
    ratio: result.requests.average / sql.transactionsPerSecond,
  };
}

function summary(r: autocannon.Result) {
  return {
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

async function sample(ctx: BenchContext, samples: { behind: number; lag: number }[]) {
  try {
    const s = (await (await fetch(`${ctx.queryApi}/api/analytics/sync-status`)).json()) as {
      eventsBehind: number | null;
      lagSeconds: number | null;
    };
    samples.push({ behind: s.eventsBehind ?? 0, lag: s.lagSeconds ?? 0 });
  } catch {
    // missed sample
  }
}
