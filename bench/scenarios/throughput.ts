import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { BenchContext } from '../context.ts';
import { waitUntilDrained } from '../context.ts';
import { behindOverTime, committedAndApplied, outboxPosition, type Progress } from './freshness.ts';
import { percentiles } from '../report/stats.ts';
import { DEBEZIUM } from '../../infra/src/native/debezium-server.ts';
import { startCpuAccounting, type CpuShare } from '../cpu-accounting.ts';
import { runningPid } from '../../infra/src/native/processes.ts';
import { WRITE_PLACED_ORDER_SQL } from '../../command-api/src/orders/write-placed-order.ts';
import { LOCK_PRODUCTS_FOR_ORDER_SQL } from '../../command-api/src/products/product-queries.ts';

type HttpSummary = {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** The bench process's own CPU while autocannon ran in it (process.cpuUsage), in cores. */
  loadGeneratorCores?: number;
};
type SqlSummary = { transactionsPerSecond: number; avgLatencyMs: number; p50Ms: number; p99Ms: number };

/** Samples alternate HTTP and SQL (H S H S H S), so a drift of the machine hits both alike; 3 unless told. */
export const SAMPLES = 3;

export interface HttpVsSql {
  name: string;
  /** HTTP and SQL measured under the same conditions (for the command API: pipeline paused): the median sample of each. */
  http: HttpSummary;
  sql: SqlSummary;
  /** Every sample, in the order they ran, for the spread. */
  samples: { http: HttpSummary[]; sql: SqlSummary[] };
  /** Median HTTP rate over median SQL rate. */
  ratio: number;
  /** For the command API: its maximum rate with the pipeline live, and the lag sampled meanwhile. */
  live?: {
    http: HttpSummary;
    lag: { maxEventsBehind: number; maxLagSeconds: number; drainedSecondsAfterLoad: number };
  };
  /** Where the machine's CPU went in each run (for the command API). */
  cpu?: { live: CpuShare[]; http: CpuShare[]; sql: CpuShare[] };
  /** The protocol pgbench ran in, the one the API's statements use (PGBENCH_PROTOCOL). */
  pgbenchProtocol?: PgbenchProtocol;
}

const CONNECTIONS = 16;

type PgbenchProtocol = 'simple' | 'extended' | 'prepared';

/**
 * pgbench speaks the protocol the API's own statements are sent in, so neither side of a ratio
 * pays for parsing and planning that the other does not: the command API's two order statements
 * are named (`pg` parses and plans them once per connection, as `-M prepared` does); the query
 * API's queries are unnamed with parameters (`pg` sends them in the extended protocol, parsed at
 * every execution, as `-M extended` does). A unit test reads the services' code and fails when
 * this no longer matches it.
 */
export const PGBENCH_PROTOCOL = { commandApi: 'prepared', queryApi: 'extended' } as const satisfies Record<
  string,
  PgbenchProtocol
>;

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
  const cpuBefore = process.cpuUsage();
  try {
    const result = await autocannon({
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
    const used = process.cpuUsage(cpuBefore);
    return { result, loadGeneratorCores: (used.user + used.system) / 1e6 / ((Date.now() - started) / 1000) };
  } finally {
    clearInterval(ticker);
  }
}

/**
 * pgbench with a custom script against one database: transactions per second, and the latency
 * percentiles of every transaction from its per-transaction log (`-l`).
 */
function pgbench(ctx: BenchContext, database: string, script: string, seconds: number, mode: PgbenchProtocol): SqlSummary {
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
      '-M',
      mode,
      '-T',
      String(seconds),
      '-l',
      `--log-prefix=${join(dir, 'tx')}`,
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
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: ctx.stack.PG_PASSWORD }, cwd: dir },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  // Log lines: client_id transaction_no time_us script_no epoch epoch_us.
  const micros = readdirSync(dir)
    .filter((name) => name.startsWith('tx.'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').trim().split('\n'))
    .map((line) => Number(line.split(' ')[2]))
    .filter(Number.isFinite);
  const p = percentiles(micros.map((us) => us / 1000));
  return { transactionsPerSecond: tps, avgLatencyMs: latency, p50Ms: p.p50, p99Ms: p.p99 };
}

/**
 * The command API's order transaction, the very same SQL text, as a pgbench script: BEGIN, the
 * locking read (drawing the order id), the one-statement write, COMMIT; each $n bound to a
 * pgbench expression. pgbench runs it in the protocol the API sends it in (PGBENCH_PROTOCOL).
 */
export function orderScript(products: number[]): string {
  const write = bindParameters(WRITE_PLACED_ORDER_SQL, [
    'ARRAY[:pid]',
    'ARRAY[1]',
    ':order_id',
    '1 + :k',
    ':price',
    'now()',
    'ARRAY[:category]',
    'ARRAY[(:price::numeric * 100)::bigint]',
    'ARRAY[(:price::numeric * 100)::bigint]',
    'ARRAY[gen_random_uuid(), gen_random_uuid()]',
    "ARRAY['order', 'product']",
    'ARRAY[:order_id::text, :pid::text]',
    "ARRAY['OrderPlaced', 'ProductUpdated']",
    // OrderPlaced v2 (cents and the currency), as the API writes it.
    `ARRAY[jsonb_build_object('orderId', :order_id::int, 'customerId', 1 + :k, 'placedAt', now(), 'currency', 'USD',
       'totalMinor', (:price::numeric * 100)::bigint,
       'items', jsonb_build_array(jsonb_build_object('productId', :pid::int, 'category', :category::text, 'quantity', 1,
         'unitPriceMinor', (:price::numeric * 100)::bigint, 'lineTotalMinor', (:price::numeric * 100)::bigint))),
     jsonb_build_object('productId', :pid::int, 'name', :name::text, 'category', :category::text, 'price', :price::numeric,
       'stock', :stock::int - 1)]`,
    // The schema version of each event: OrderPlaced v2, ProductUpdated v1.
    'ARRAY[2, 1]',
    'NULL',
  ]);
  // As the API's load: request i orders product (i * 7) % 20, so the 16 requests in flight always
  // hold 16 different products (7 and 20 share no factor); each pgbench client keeps one product.
  return `\\set k (:client_id * 7) % ${products.length}
\\set pid ${products[0]} + :k
BEGIN;
${oneLine(bindParameters(LOCK_PRODUCTS_FOR_ORDER_SQL, ['ARRAY[:pid]']))} \\gset
${oneLine(write)};
COMMIT;
`;
}

/** pgbench reads one statement per line unless it ends with a semicolon: keep each on one line. */
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * Replaces $1..$n with the given SQL expressions (whole numbers matched, so $1 never eats $10).
 * A parameter without an expression throws: the API's statement gained one and the script must too.
 */
export function bindParameters(sql: string, expressions: string[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const expression = expressions[Number(n) - 1];
    if (expression === undefined) throw new Error(`pgbench script: no expression for parameter $${n}`);
    return `(${expression})`;
  });
}

/**
 * The command API twice: with the pipeline live (its maximum rate while Debezium and the projector
 * keep up, lag sampled), then with Debezium paused against pgbench on the same statements, so
 * neither side pays for the pipeline in real time (pgbench would otherwise starve it and leave
 * its work for later); the pipeline catches up afterwards.
 */
export async function commandApiThroughput(
  ctx: BenchContext,
  seconds: number,
  samples: number,
  progress: Progress,
): Promise<HttpVsSql> {
  const live = await liveCommandApi(ctx, seconds, progress);
  const debezium = runningPid(ctx.dirs, DEBEZIUM);
  if (debezium === undefined) throw new Error('Debezium Server is not running');
  process.kill(debezium, 'SIGSTOP');
  try {
    // Contiguous ids: the products were created first, in one go.
    const sorted = [...ctx.products].sort((a, b) => a - b);
    const script = orderScript(sorted);
    const runs = await alternate(
      samples,
      async (n) => {
        const cpu = await startCpuAccounting(ctx.write, ctx.dirs);
        const result = summary(
          await cannon(`${ctx.commandApi}/api/orders`, seconds, 'POST', orderRequest(ctx), (s) =>
            progress(`command API, pipeline paused (autocannon ${n}/${samples})`, s, seconds),
          ),
        );
        return { result, cpu: await cpu.stop() };
      },
      async (n) => {
        progress(`pgbench: same statements, pipeline paused (${n}/${samples})`, 0, 1);
        const cpu = await startCpuAccounting(ctx.write, ctx.dirs);
        const result = pgbench(ctx, ctx.stack.WRITE_DB_NAME, script, seconds, PGBENCH_PROTOCOL.commandApi);
        return { result, cpu: await cpu.stop() };
      },
    );
    const http = medianBy(runs.http, (s) => s.result.requestsPerSecond);
    const sql = medianBy(runs.sql, (s) => s.result.transactionsPerSecond);
    return {
      name: 'POST /api/orders',
      http: http.result,
      sql: sql.result,
      samples: { http: runs.http.map((s) => s.result), sql: runs.sql.map((s) => s.result) },
      ratio: http.result.requestsPerSecond / sql.result.transactionsPerSecond,
      live: live.result,
      cpu: { live: live.cpu, http: http.cpu, sql: sql.cpu },
      pgbenchProtocol: PGBENCH_PROTOCOL.commandApi,
    };
  } finally {
    process.kill(debezium, 'SIGCONT');
    await waitUntilDrained(ctx, 300_000, (left) => progress('pipeline catching up', 0, Math.max(1, left)));
  }
}

async function liveCommandApi(ctx: BenchContext, seconds: number, progress: Progress) {
  const start = await outboxPosition(ctx);
  const cpu = await startCpuAccounting(ctx.write, ctx.dirs);
  const result = await cannon(`${ctx.commandApi}/api/orders`, seconds, 'POST', orderRequest(ctx), (s) =>
    progress('command API, pipeline live (autocannon)', s, seconds),
  );
  const shares = await cpu.stop();
  const loadEnded = Date.now();
  await waitUntilDrained(ctx, 300_000, (left) => progress('command API: pipeline draining', 0, Math.max(1, left)));
  const drainedSecondsAfterLoad = (Date.now() - loadEnded) / 1000;
  // Behind and late, from commit timestamps afterwards: nothing sampled during the window.
  const { events, appliedAt } = await committedAndApplied(ctx, start);
  const lag = {
    maxEventsBehind: Math.max(0, ...behindOverTime(events, appliedAt).map(([, behind]) => behind)),
    maxLagSeconds: Math.max(0, ...events.map((e) => ((appliedAt.get(e.id) ?? e.committedAt) - e.committedAt) / 1000)),
    drainedSecondsAfterLoad,
  };
  return { result: { http: summary(result), lag }, cpu: shares };
}

/** The same shape as the pgbench script: one line, a product drawn from the workload's 20. */
const orderRequest = (ctx: BenchContext) => (i: number) =>
  JSON.stringify({
    customerId: 1 + (i % 500),
    items: [{ productId: ctx.products[(i * 7) % ctx.products.length]!, quantity: 1 }],
  });

/**
 * The analytics reads against the same queries through pgbench: one query per request and per
 * pgbench transaction, the three kinds drawn evenly over the same products, categories and
 * customers, so rates and latency percentiles compare one to one.
 */
export async function queryApiThroughput(
  ctx: BenchContext,
  seconds: number,
  samples: number,
  progress: Progress,
): Promise<HttpVsSql> {
  const products = ctx.products;
  const script = `\\set kind random(0, 2)
\\set pid random(${Math.min(...products)}, ${Math.max(...products)})
\\set cid random(1, 500)
\\if :kind = 0
SELECT quantity_sold::text, revenue::text, order_count FROM read.product_sales WHERE product_id = :pid;
\\elif :kind = 1
SELECT revenue::text, order_count FROM read.category_revenue WHERE category = 'bench-' || (:cid % 5);
\\else
SELECT total_spent::text, order_count, last_order_date FROM read.customer_value WHERE customer_id = :cid;
\\endif
`;
  const runs = await alternate(
    samples,
    async (n) =>
      summary(
        await cannon(
          `${ctx.queryApi}/api/analytics/products/${products[0]}/sales`,
          seconds,
          'GET',
          (i) => {
            const kind = i % 3;
            if (kind === 0) return `/api/analytics/products/${products[i % products.length]}/sales`;
            if (kind === 1) return `/api/analytics/categories/bench-${i % 5}/revenue`;
            return `/api/analytics/customers/${1 + (i % 500)}/lifetime-value`;
          },
          (s) => progress(`query API analytics (autocannon ${n}/${samples})`, s, seconds),
        ),
      ),
    async (n) => {
      progress(`pgbench: same queries (${n}/${samples})`, 0, 1);
      return pgbench(ctx, ctx.stack.READ_DB_NAME, script, seconds, PGBENCH_PROTOCOL.queryApi);
    },
  );
  const http = medianBy(runs.http, (s) => s.requestsPerSecond);
  const sql = medianBy(runs.sql, (s) => s.transactionsPerSecond);
  return {
    name: 'GET /api/analytics/* (products, categories, customers)',
    http,
    sql,
    samples: runs,
    ratio: http.requestsPerSecond / sql.transactionsPerSecond,
    pgbenchProtocol: PGBENCH_PROTOCOL.queryApi,
  };
}

/** `samples` rounds of one HTTP sample then one SQL sample. */
async function alternate<H, S>(
  samples: number,
  http: (n: number) => Promise<H>,
  sql: (n: number) => Promise<S>,
): Promise<{ http: H[]; sql: S[] }> {
  const result = { http: [] as H[], sql: [] as S[] };
  for (let n = 1; n <= samples; n++) {
    result.http.push(await http(n));
    result.sql.push(await sql(n));
  }
  return result;
}

/** The sample with the median value (the upper middle one for an even count). */
function medianBy<T>(samples: T[], value: (t: T) => number): T {
  return [...samples].sort((a, b) => value(a) - value(b))[Math.floor(samples.length / 2)]!;
}

function summary({ result: r, loadGeneratorCores }: { result: autocannon.Result; loadGeneratorCores: number }): HttpSummary {
  return {
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    loadGeneratorCores,
  };
}
