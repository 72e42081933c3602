import { afterAll, describe, expect, inject, it } from 'vitest';
import { readShardRouting } from '@shop/shared/outbox';
import { stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import {
  changeShardCount,
  ShardCountRefusedError,
  waitForProjectorShards,
  type ShardCountChange,
} from '../../infra/src/native/shard-count.ts';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { commandApi, eventually, postJson, projectorStats, stackDatabases, waitUntilProjected } from '../support/clients.ts';
import { startExtraProjector } from '../support/extra-projector.ts';
import { inboxAgainstOutbox } from '../support/inbox-outbox.ts';
import { startWorkload } from '../support/steady-workload.ts';

const stack = inject('stack');
const dirs = stackDirs(stack.stackDir);
const { write, read } = stackDatabases(stack);
const HIGH = 'projector-high-shards';
const HIGH_PORT = 18_093;
const HIGH_SHARDS = [8, 9, 10, 11, 12, 13, 14, 15];
const say = (line: string) => console.log(`[shards] ${line}`);

/**
 * `npm run shards -- --count 16` on the running test stack while orders, cancels and product
 * changes go on (docs/scaling.md, "Changing the shard count"). Afterwards the stack routes by 16
 * (the later files compute shards from outbox_routing, so they hold either way).
 */
describe('changing the shard count on a running pipeline', () => {
  afterAll(async () => {
    await stopRecorded(dirs, HIGH);
  });

  it('8 -> 16 under writes: nothing lost or doubled, each aggregate applied in position order, new events on 16 queues', async () => {
    expect(routedCount(await readShardRouting(write))).toBe(8);
    const products = await createProducts(6);
    // A second instance listing only the new shards: it consumes nothing until the drain is recorded.
    await startExtraProjector(stack, HIGH, HIGH_PORT, { env: { PROJECTOR_SHARDS: HIGH_SHARDS.join(',') } });
    expect(Object.keys((await health(HIGH_PORT)).shards)).toEqual([]);

    const workload = startWorkload(commandApi(stack), products, 25, 40, say);
    let change: ShardCountChange;
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      // A backlog in the old shards at the cut: with the projector away, moved aggregates have
      // older events waiting in shards 0..7 while their newer ones fill 8..15. Consuming 8..15
      // before the drain would apply those first (the position-order check below would see it).
      await stopRecorded(dirs, 'projector');
      await new Promise((r) => setTimeout(r, 3_000));
      const changing = changeShardCount(stack, 16, say, { drainTimeoutMs: 120_000 });
      // Back once the routing switched: the backlog is then all at or below the cut.
      await eventually(async () => ((await readShardRouting(write)).length > 1 ? true : undefined), 60_000);
      await startServices(stack, dirs, () => undefined);
      change = await changing;
      say(`cut at ${change.cut}, drained in ${change.drainMs} ms`);
      await waitForProjectorShards(`http://127.0.0.1:${stack.PROJECTOR_PORT}`, 16, 30_000);
      await waitForProjectorShards(`http://127.0.0.1:${HIGH_PORT}`, HIGH_SHARDS.length, 30_000);
      await new Promise((r) => setTimeout(r, 4_000));
    } finally {
      const stats = await workload.stop();
      say(`workload: ${JSON.stringify({ orders: stats.orders, cancels: stats.cancels, updates: stats.updates })}`);
    }
    const { acknowledgedOrders } = workload.stats;
    expect(change.from).toBe(8);
    expect(acknowledgedOrders.length).toBeGreaterThan(50);
    await waitUntilProjected(stack, 120_000);

    await expectRoutedByPosition(change.cut);
    await expectEveryOrderOnce(acknowledgedOrders);
    const { missing, unknown } = await inboxAgainstOutbox(write, read);
    expect({ missing, unknown }).toEqual({ missing: [], unknown: [] });
    for (const model of await compareReadModels(write, read)) expect(model, model.model).toMatchObject({ differences: [] });
    await expectPositionOrder(change.cut, acknowledgedOrders, products);
    // The new queues were consumed: shards 8..15 applied events, and both instances hold their shards.
    const { rows: progress } = await read.query<{ shard: number }>(
      'SELECT shard FROM read.shard_progress WHERE shard >= 8 AND applied > 0',
    );
    expect(progress.length).toBeGreaterThan(0);
    expect(Object.keys((await health(HIGH_PORT)).shards).map(Number)).toEqual(HIGH_SHARDS);
    expect((await projectorStats(stack, HIGH_PORT)).status).toBe('ok');
  });

  it('refuses what it cannot do in order: going down, or a count that is not a multiple', async () => {
    await expect(changeShardCount(stack, 8, say)).rejects.toThrow(ShardCountRefusedError);
    await expect(changeShardCount(stack, 8, say)).rejects.toThrow(/going down \(16 -> 8\) is refused/);
    await expect(changeShardCount(stack, 24, say)).rejects.toThrow(/multiple of 16/);
    await expect(changeShardCount(stack, 16, say)).rejects.toThrow(/already routed by 16/);
    expect(routedCount(await readShardRouting(write))).toBe(16);
  });
});

const routedCount = (routing: Awaited<ReturnType<typeof readShardRouting>>) => routing[routing.length - 1]!.shardCount;

async function health(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  return (await res.json()) as { status: string; shards: Record<string, unknown> };
}

async function createProducts(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await postJson(`${commandApi(stack)}/api/products`, {
      name: `Split ${i}`,
      category: 'shards',
      price: 5 + i,
      stock: 100_000,
    });
    expect(res.status).toBe(201);
    ids.push(Number(res.body.productId));
  }
  return ids;
}

/** Every event at or below the cut routed by 8, every one after it by 16; some after it on shards 8..15. */
async function expectRoutedByPosition(cut: number) {
  const { rows } = await write.query<{ wrong: number; high: number; after: number }>(
    `SELECT count(*) FILTER (WHERE route <> aggregatetype || '.' ||
                  (abs(hashtextextended(aggregatetype || ':' || aggregateid, 0)) % CASE WHEN position > $1::bigint THEN 16 ELSE 8 END))::int AS wrong,
            count(*) FILTER (WHERE position > $1::bigint AND split_part(route, '.', 2)::int >= 8)::int AS high,
            count(*) FILTER (WHERE position > $1::bigint)::int AS after
       FROM outbox_history`,
    [cut],
  );
  say(`events after the cut: ${rows[0]!.after}, of which on shards 8..15: ${rows[0]!.high}`);
  expect(rows[0]!.wrong).toBe(0);
  expect(rows[0]!.high).toBeGreaterThan(0);
}

/** Each order answered 201 is in the read model once, its placement applied once. */
async function expectEveryOrderOnce(orderIds: number[]) {
  const { rows } = await read.query<{ orders: number; placed: number }>(
    `SELECT (SELECT count(*)::int FROM read.orders WHERE order_id = ANY($1::int[])) AS orders,
            (SELECT count(*)::int FROM read.inbox WHERE event_type = 'OrderPlaced' AND aggregate_id = ANY($1::text[])) AS placed`,
    [orderIds],
  );
  expect(rows[0]).toEqual({ orders: orderIds.length, placed: orderIds.length });
}

/**
 * No aggregate of this test was applied out of position order (the inbox's seq is the order of
 * application); and the check could fail: aggregates that moved to a new shard had events on both
 * sides of the cut (an order placed before it and cancelled after, a product's stock changes).
 */
async function expectPositionOrder(cut: number, orderIds: number[], productIds: number[]) {
  const aggregates = [...orderIds.map((id) => `order:${id}`), ...productIds.map((id) => `product:${id}`)];
  const { rows: misordered } = await read.query<{ aggregate: string }>(
    `SELECT aggregate_type || ':' || aggregate_id AS aggregate FROM read.inbox
      WHERE position IS NOT NULL AND aggregate_type || ':' || aggregate_id = ANY($1::text[])
      GROUP BY aggregate_type, aggregate_id
     HAVING array_agg(position ORDER BY seq) <> array_agg(position ORDER BY position)`,
    [aggregates],
  );
  expect(misordered).toEqual([]);
  const { rows: spanning } = await write.query<{ moved: number; cancels: number }>(
    `SELECT count(DISTINCT (a.aggregatetype, a.aggregateid))::int AS moved,
            count(DISTINCT a.aggregateid) FILTER (WHERE a.aggregatetype = 'order' AND b.type = 'OrderCancelled')::int AS cancels
       FROM outbox_history a JOIN outbox_history b USING (aggregatetype, aggregateid)
      WHERE a.position <= $1::bigint AND b.position > $1::bigint AND a.route <> b.route
        AND a.aggregatetype || ':' || a.aggregateid = ANY($2::text[])`,
    [cut, aggregates],
  );
  say(`aggregates moved to a new shard with events on both sides of the cut: ${JSON.stringify(spanning[0])}`);
  expect(spanning[0]!.moved).toBeGreaterThan(0);
}
