/**
 * `npm run probe -- [--rate 100] [--seconds 10] [--read-back]`: measures the stack that `npm start`
 * runs (its settings, as shipped or from .env), without stopping or restarting anything. Orders
 * are sent open-loop at the rate (each read back at once with its Consistency-Token with
 * --read-back), and afterwards it prints:
 *   - the orders answered and failed, the achieved rate (successful orders over the send window);
 *   - POST latency, and with --read-back the time until the order was readable with its token;
 *   - freshness: the order's commit to the projector's commit (commit timestamps, one cluster);
 *   - Postgres wait events of the services' sessions, sampled every 5 ms (lock waits, client reads);
 *   - CPU per order of each process of the stack, from /proc, and the probe's own.
 * The tuning log's per-change figures (bench/tuning.md) were taken with it. It writes orders and
 * products (named "Probe n") into the running stack's databases.
 */
import pg from 'pg';
import { postgresUrl } from '@shop/shared/config';
import { stackDirs } from '../infra/src/native/processes.ts';
import { devStackConfig } from '../infra/src/stack-config.ts';
import { startCpuAccounting } from './cpu-accounting.ts';
import { percentiles } from './report/stats.ts';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const rate = arg('rate', 100);
const seconds = arg('seconds', 10);
const readBack = process.argv.includes('--read-back');
if (!(rate > 0 && seconds > 0)) {
  console.error('usage: npm run probe -- [--rate <orders/s>] [--seconds <n>] [--read-back]');
  process.exit(2);
}

const stack = devStackConfig();
const write = new pg.Pool({ connectionString: postgresUrl(stack, stack.WRITE_DB_NAME), max: 3, application_name: 'probe' });
const read = new pg.Pool({ connectionString: postgresUrl(stack, stack.READ_DB_NAME), max: 3, application_name: 'probe' });
const commandApi = `http://127.0.0.1:${stack.COMMAND_API_PORT}`;
const queryApi = `http://127.0.0.1:${stack.QUERY_API_PORT}`;

async function probeProducts(): Promise<number[]> {
  const { rows } = await write.query<{ id: number }>(`SELECT id FROM products WHERE name LIKE 'Probe %' ORDER BY id LIMIT 20`);
  const ids = rows.map((r) => r.id);
  for (let i = ids.length; i < 20; i++) {
    const res = await fetch(`${commandApi}/api/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Probe ${i}`, category: `probe-${i % 5}`, price: 5 + i, stock: 1_000_000_000 }),
    });
    if (res.status !== 201) throw new Error(`creating a product answered ${res.status}: is the stack running (npm start)?`);
    ids.push(((await res.json()) as { productId: number }).productId);
  }
  return ids;
}

/** Wait events of the services' sessions, every 5 ms, until stopped. */
function sampleWaits() {
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const done = (async () => {
    const client = new pg.Client({
      connectionString: postgresUrl(stack, stack.WRITE_DB_NAME),
      application_name: 'probe-sampler',
    });
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ k: string }>(
        `SELECT application_name || ': ' || state || ', ' || coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS k
           FROM pg_stat_activity WHERE application_name NOT IN ('probe', 'probe-sampler', '') AND state <> 'idle'`,
      );
      samples++;
      for (const { k } of rows) counts.set(k, (counts.get(k) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
    }
    await client.end();
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return { samples, counts };
    },
  };
}

async function sendOrder(
  products: number[],
  i: number,
  out: { post: number[]; visible: number[]; ids: number[]; failed: number },
) {
  const began = performance.now();
  const lines = 1 + (i % 3);
  const body = {
    customerId: 1 + (i % 500),
    items: Array.from({ length: lines }, (_, k) => ({
      productId: products[(i * 7 + k * 13) % products.length],
      quantity: 1 + (k % 2),
    })),
  };
  const res = await fetch(`${commandApi}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) {
    out.failed++;
    await res.text();
    return;
  }
  out.post.push(performance.now() - began);
  const { orderId } = (await res.json()) as { orderId: number };
  out.ids.push(orderId);
  if (!readBack) return;
  const token = res.headers.get('consistency-token') ?? '';
  const got = await fetch(`${queryApi}/api/orders/${orderId}`, { headers: { 'consistency-token': token } });
  await got.text();
  if (got.status === 200) out.visible.push(performance.now() - began);
  else out.failed++;
}

/** Commit of each order to the commit of the projector's transaction that applied its OrderPlaced. */
async function freshness(orderIds: number[]): Promise<number[]> {
  const { rows: placed } = await write.query<{ id: string; committed: Date }>(
    `SELECT o.id, pg_xact_commit_timestamp(ord.xmin) AS committed
       FROM outbox o JOIN orders ord ON ord.id = o.aggregateid::int
      WHERE o.type = 'OrderPlaced' AND o.aggregateid = ANY($1::text[])`,
    [orderIds.map(String)],
  );
  for (let waited = 0; waited < 30_000; waited += 200) {
    const { rows } = await read.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM read.inbox WHERE event_id = ANY($1::uuid[])`,
      [placed.map((p) => p.id)],
    );
    if (rows[0]!.n >= placed.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const { rows: applied } = await read.query<{ event_id: string; committed: Date }>(
    `SELECT event_id, pg_xact_commit_timestamp(xmin) AS committed FROM read.inbox WHERE event_id = ANY($1::uuid[])`,
    [placed.map((p) => p.id)],
  );
  const at = new Map(applied.map((a) => [a.event_id, a.committed.getTime()]));
  return placed.flatMap((p) => (at.has(p.id) ? [at.get(p.id)! - p.committed.getTime()] : []));
}

async function main() {
  const products = await probeProducts();
  const cpu = await startCpuAccounting(write, stackDirs(stack.stackDir));
  const ownCpu = process.cpuUsage();
  const waits = sampleWaits();
  const out = { post: [] as number[], visible: [] as number[], ids: [] as number[], failed: 0 };
  const total = Math.round(rate * seconds);
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(sendOrder(products, i, out).catch(() => void out.failed++));
  }
  const sendWindow = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  const own = process.cpuUsage(ownCpu);
  const { samples, counts } = await waits.stop();
  const shares = await cpu.stop();
  const fresh = await freshness(out.ids);

  const ms = (p: { p50: number; p99: number }) => `${Math.round(p.p50)} / ${Math.round(p.p99)} ms`;
  console.log(
    `${rate} orders/s for ${seconds} s: ${out.ids.length} of ${total} answered 201, ${out.failed} failed, achieved ${(out.ids.length / sendWindow).toFixed(1)} orders/s`,
  );
  console.log(`POST p50 / p99             ${ms(percentiles(out.post))}`);
  if (readBack) console.log(`readable with its token    ${ms(percentiles(out.visible))} (from the POST's start)`);
  console.log(`commit -> projector commit ${ms(percentiles(fresh))} (${fresh.length} orders)`);
  console.log(`\nPostgres sessions, average number in each state (${samples} samples):`);
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`  ${(n / samples).toFixed(2).padStart(6)}  ${k}`);
  console.log(`\nCPU per order (ms), from /proc over the window:`);
  // The dev stack's broker is the machine's RabbitMQ, not one of the stack's recorded pieces.
  for (const s of shares.filter((s) => s.category === 'stack' || s.process.endsWith('RabbitMQ (beam)'))) {
    console.log(`  ${((s.cores * 1000) / rate).toFixed(2).padStart(6)}  ${s.process}`);
  }
  console.log(`  ${((own.user + own.system) / 1000 / total).toFixed(2).padStart(6)}  this probe (load generator)`);
  await Promise.all([write.end(), read.end()]);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`probe failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
