import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { loadConfig as loadProjectorConfig } from '../projector/src/config.ts';
import { openOnDemandReconciler } from '../projector/src/reconcile/on-demand.ts';
import { retentionPolicy } from '../projector/src/retention/policy.ts';
import { runRetentionRound } from '../projector/src/retention/retention-round.ts';
import { createLogger } from '@shop/shared/log';
import { childEnv } from '../infra/src/stack-config.ts';
import { createProducts, orderBody, postJson, waitUntilDrained, type BenchContext } from './context.ts';
import type { Progress } from './scenarios/freshness.ts';

/** One measured read path: its median and 95th percentile in ms over `samples` sequential calls. */
export interface PathCost {
  path: string;
  samples: number;
  p50: number;
  p95: number;
}

export interface ScalePoint {
  /** Events in the live outbox, and in its archive (outbox_archive.events). */
  outboxEvents: number;
  archivedEvents: number;
  inboxEvents: number;
  costs: PathCost[];
}

/** One retention round over the generated history: what moved, what was pruned, how long it took. */
export interface RetentionRun {
  archivedPartitions: number;
  archivedEvents: number;
  pruned: number;
  prunedThrough: number;
  seconds: number;
  liveOutboxBytes: { before: number; after: number };
}

export interface ScaleResults {
  /** At ~1,000 events; after the history; after retention archived most of it. */
  points: ScalePoint[];
  generated: { events: number; seconds: number; drainedSeconds: number };
  retention: RetentionRun;
}

/** Rows per INSERT while generating the history: Debezium and the projector stream it as it grows. */
const CHUNK = 50_000;

/**
 * `npm run bench -- --scale [--events N]`: what the read paths cost with a small write side, with a
 * large one, and after retention moved it out. It measures at about a thousand outbox events, then
 * generates N more (1 million by default) straight into the outbox, which flow through the real
 * pipeline (Debezium, RabbitMQ, the projector applying every one), and measures the same paths
 * again: sync-status, `npm run lag`, one reconciler audit, the console's snapshot, /metrics and
 * the query API's reads. Then one retention round archives every outbox partition that has ended
 * (the stack has one-minute partitions, so the run need not wait days) and prunes the inbox, and
 * the paths are measured a third time. Each point is measured at rest: every event applied and
 * checked by the reconciler (sync-status compares the events past the reconciler's position one by
 * one, so right after a burst it costs more: that is the backlog, not the size).
 */
export async function runScale(ctx: BenchContext, events: number, progress: Progress): Promise<ScaleResults> {
  await createProducts(ctx, 20);
  for (let i = 0; i < 300; i++) await postJson(`${ctx.commandApi}/api/orders`, orderBody(ctx, i));
  await waitUntilDrained(ctx, 120_000);
  const points = [await measurePoint(ctx, progress)];

  const started = performance.now();
  for (let done = 0; done < events; done += CHUNK) {
    await generateUpdates(ctx, Math.min(CHUNK, events - done), done);
    progress('generating the history', done + CHUNK, events);
  }
  const generatedSeconds = (performance.now() - started) / 1000;
  await waitUntilDrained(ctx, 3_600_000, (left) => progress('pipeline applying the history', events - left, events));
  const drainedSeconds = (performance.now() - started) / 1000;
  // Orders after the history, so the reads of an order and a customer find something recent.
  for (let i = 300; i < 400; i++) await postJson(`${ctx.commandApi}/api/orders`, orderBody(ctx, i));
  await waitUntilDrained(ctx, 120_000);
  points.push(await measurePoint(ctx, progress));

  progress('retention: archiving and pruning', 0, 1);
  const retention = await retentionRound(ctx);
  progress('retention: archiving and pruning', 1, 1);
  points.push(await measurePoint(ctx, progress));
  return { points, generated: { events, seconds: generatedSeconds, drainedSeconds }, retention };
}

/** Until the reconciler has checked every event in the outbox (at most 2 minutes). */
async function waitUntilReconciled(ctx: BenchContext): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [newest, checked] = await Promise.all([
      ctx.write.query<{ p: string | null }>('SELECT max(position)::text AS p FROM outbox'),
      ctx.read.query<{ p: string }>('SELECT checked_through::text AS p FROM reconciler.progress'),
    ]);
    if (Number(checked.rows[0]!.p) >= Number(newest.rows[0]!.p ?? 0)) return;
    if (Date.now() > deadline) throw new Error('the reconciler did not catch up within 2 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One retention round that archives every partition that has ended, timed, with the live outbox's size around it. */
async function retentionRound(ctx: BenchContext): Promise<RetentionRun> {
  const before = await liveOutboxBytes(ctx);
  const t0 = performance.now();
  const report = await runRetentionRound(
    { write: ctx.write, read: ctx.read },
    retentionPolicy(0),
    createLogger('bench-retention', 'warn'),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    archivedPartitions: report.archived.length,
    archivedEvents: report.archived.reduce((sum, p) => sum + p.events, 0),
    pruned: report.pruned,
    prunedThrough: report.prunedThrough,
    seconds: Math.round(seconds * 10) / 10,
    liveOutboxBytes: { before, after: await liveOutboxBytes(ctx) },
  };
}

async function liveOutboxBytes(ctx: BenchContext): Promise<number> {
  const { rows } = await ctx.write.query<{ bytes: string }>(
    /* sql */ `SELECT sum(pg_total_relation_size(i.inhrelid))::text AS bytes FROM pg_inherits i WHERE i.inhparent = 'public.outbox'::regclass`,
  );
  return Number(rows[0]!.bytes);
}

/**
 * `count` ProductUpdated events for the workload's products, inserted into the outbox as the
 * command API would write them (one statement: the outbox trigger draws positions and routes).
 */
async function generateUpdates(ctx: BenchContext, count: number, offset: number) {
  await ctx.write.query(
    /* sql */ `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, schema_version)
               SELECT gen_random_uuid(), 'product', p.id::text, 'ProductUpdated',
                      jsonb_build_object('productId', p.id, 'name', 'Scale ' || g, 'category', 'scale',
                                         'price', 1 + (g % 100), 'stock', 1000000 + g),
                      1
                 FROM generate_series($1::bigint + 1, $1::bigint + $2::bigint) AS g
                 JOIN LATERAL (SELECT ($3::int[])[1 + (g % array_length($3::int[], 1))] AS id) AS p ON true
                ORDER BY g`,
    [offset, count, ctx.products],
  );
}

async function measurePoint(ctx: BenchContext, progress: Progress): Promise<ScalePoint> {
  progress('waiting for the reconciler to check every event', 0, 1);
  await waitUntilReconciled(ctx);
  const [outbox, archive, inbox] = await Promise.all([
    ctx.write.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'),
    ctx.write.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_archive.events'),
    ctx.read.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox'),
  ]);
  const size = outbox.rows[0]!.n;
  const label = `measuring at ${size.toLocaleString('en')} live events`;
  const order = (
    await ctx.read.query<{ id: number; customer: number }>(
      'SELECT order_id AS id, customer_id AS customer FROM orders ORDER BY order_id DESC LIMIT 1',
    )
  ).rows[0]!;
  const http = (path: string) => async () => {
    const res = await fetch(`${ctx.queryApi}${path}`);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
  };
  const paths: [string, () => Promise<void>, number][] = [
    ['GET /api/analytics/sync-status', http('/api/analytics/sync-status'), 50],
    ['GET /metrics (query API: lag gauges)', http('/metrics'), 50],
    ['GET /console/api/snapshot', http('/console/api/snapshot'), 30],
    [`GET /api/orders/:id`, http(`/api/orders/${order.id}`), 200],
    [`GET /api/analytics/customers/:id/lifetime-value`, http(`/api/analytics/customers/${order.customer}/lifetime-value`), 200],
    [`GET /api/products/:id`, http(`/api/products/${ctx.products[0]}`), 200],
    ['GET /api/analytics/hourly-sales', http('/api/analytics/hourly-sales'), 100],
    ['npm run lag', () => lagCli(ctx), 3],
    ['one reconciler audit (npm run reconcile)', () => reconcileOnce(ctx), 3],
  ];
  const costs: PathCost[] = [];
  for (const [i, [path, call, samples]] of paths.entries()) {
    progress(label, i, paths.length);
    await call(); // warm: first connection, plan caches
    const times: number[] = [];
    for (let n = 0; n < samples; n++) {
      const t0 = performance.now();
      await call();
      times.push(performance.now() - t0);
      // The console's snapshot is cached for CONSOLE_REFRESH_MS: wait past it, to measure readings.
      if (path.includes('snapshot')) await new Promise((r) => setTimeout(r, ctx.stack.CONSOLE_REFRESH_MS + 50));
    }
    times.sort((a, b) => a - b);
    costs.push({
      path,
      samples,
      p50: round(times[Math.floor(samples / 2)]!),
      p95: round(times[Math.min(samples - 1, Math.floor(samples * 0.95))]!),
    });
  }
  progress(label, paths.length, paths.length);
  return { outboxEvents: size, archivedEvents: archive.rows[0]!.n, inboxEvents: inbox.rows[0]!.n, costs };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function lagCli(ctx: BenchContext): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'query-api/src/cli/lag.ts', '--json'], {
      env: childEnv(ctx.stack, 'projector'),
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`npm run lag exited ${code}`))));
  });
}

async function reconcileOnce(ctx: BenchContext): Promise<void> {
  const config = loadProjectorConfig(childEnv(ctx.stack, 'projector'));
  const { reconciler, close } = await openOnDemandReconciler(config);
  try {
    const report = await reconciler.audit();
    if (report.missing > 0) throw new Error(`the reconciler found ${report.missing} events missing`);
  } finally {
    await close();
  }
}
