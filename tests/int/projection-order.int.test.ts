import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { withTransaction } from '@shop/shared/db';
import type { KnownEvent } from '@shop/shared/events';
import { applyBatch } from '../../projector/src/projection/apply-batch.ts';
import { pruneInboxBelowWatermark, raiseInboxWatermark } from '@shop/shared/read-side';
import { random } from '../support/random.ts';
import { freshReadDatabase as freshDatabase } from '../support/read-database.ts';

const stack = inject('stack');
const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

/** A fresh, migrated read database of its own on the test cluster, ended after the file. */
async function freshReadDatabase(): Promise<pg.Pool> {
  const pool = await freshDatabase(stack, 'order');
  pools.push(pool);
  return pool;
}

/** A seeded history: products created and updated, orders placed, some cancelled, in commit order. */
function history(seed: number): KnownEvent[] {
  const rnd = random(seed);
  const events: KnownEvent[] = [];
  let clock = Date.UTC(2026, 5, 1, 8);
  let position = 0;
  const next = () => new Date((clock += 1000 + rnd.int(0, 4000 * 60)));
  const event = (type: KnownEvent['type'], aggregateId: number, payload: unknown): KnownEvent =>
    ({
      type,
      id: randomUUID(),
      version: 1,
      occurredAt: next(),
      aggregateId: String(aggregateId),
      position: ++position,
      payload,
    }) as KnownEvent;
  const products = [1, 2, 3, 4].map((productId) => ({ productId, category: `c${productId % 2}`, price: 2 + productId }));
  for (const p of products) events.push(event('ProductCreated', p.productId, { ...p, name: `P${p.productId}`, stock: 100 }));
  for (let orderId = 1; orderId <= 12; orderId++) {
    const lines = products
      .filter(() => rnd.int(0, 2) > 0)
      .map((p) => {
        const quantity = 1 + rnd.int(0, 4);
        return { productId: p.productId, category: p.category, quantity, unitPrice: p.price, lineTotal: quantity * p.price };
      });
    if (lines.length === 0) continue;
    const order = { orderId, customerId: 1 + (orderId % 3), total: lines.reduce((t, l) => t + l.lineTotal, 0), items: lines };
    // As decoded: OrderPlaced in its current shape (v2, cents and a currency); OrderCancelled is v1.
    const placed = event('OrderPlaced', orderId, {
      orderId,
      customerId: order.customerId,
      placedAt: '',
      currency: 'USD',
      totalMinor: order.total * 100,
      items: lines.map(({ unitPrice, lineTotal, ...l }) => ({
        ...l,
        unitPriceMinor: unitPrice * 100,
        lineTotalMinor: lineTotal * 100,
      })),
    });
    (placed.payload as { placedAt: string }).placedAt = placed.occurredAt.toISOString();
    events.push(placed);
    if (rnd.int(0, 3) === 0) {
      const cancelled = event('OrderCancelled', orderId, { ...order, cancelledAt: '' });
      (cancelled.payload as { cancelledAt: string }).cancelledAt = cancelled.occurredAt.toISOString();
      events.push(cancelled);
    }
    const updated = products[rnd.int(0, products.length - 1)]!;
    events.push(
      event('ProductUpdated', updated.productId, { ...updated, name: `P${updated.productId} v${orderId}`, stock: 100 - orderId }),
    );
  }
  return events;
}

/** Applies the events in batches of random sizes, each in its own transaction, like the projector. */
async function project(pool: pg.Pool, events: KnownEvent[], seed: number) {
  const rnd = random(seed);
  for (let i = 0; i < events.length;) {
    const size = 1 + rnd.int(0, 6);
    const batch = events.slice(i, i + size);
    await withTransaction(pool, (client) => applyBatch(client, batch));
    i += size;
  }
}

/** Every read model, row by row, without the columns that record when and in which order (seq) events were applied. */
async function readModels(pool: pg.Pool) {
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    products: await q('SELECT product_id, name, category, price::text, stock, updated_at FROM products ORDER BY 1'),
    orders: await q('SELECT * FROM orders ORDER BY 1'),
    orderItems: await q('SELECT * FROM order_items ORDER BY 1, 2'),
    productSales: await q('SELECT product_id, quantity_sold, revenue::text, order_count FROM product_sales ORDER BY 1'),
    categoryRevenue: await q('SELECT category, revenue::text, order_count FROM category_revenue ORDER BY 1'),
    customerValue: await q('SELECT customer_id, total_spent::text, order_count, last_order_date FROM customer_value ORDER BY 1'),
    hourlySales: await q('SELECT hour, revenue::text, order_count, items_sold FROM hourly_sales ORDER BY 1'),
    inbox: await q(
      'SELECT event_id, event_type, aggregate_type, aggregate_id, occurred_at, position FROM inbox ORDER BY event_id',
    ),
    counted: await q('SELECT sum(applied)::int AS n FROM shard_progress'),
  };
}

/**
 * Order within an aggregate is not a delivery guarantee of this pipeline: a requeued event lets
 * later ones of its aggregate pass, a healed or re-driven event comes back late, and redeliveries
 * repeat events. The projections are written so that it does not matter: the catalog keeps the
 * newest state by occurred-at (monotonic per product: the command API writes a product under its
 * row lock), an order's placement and cancel merge in either order, and every aggregate is a sum.
 * This checks it: any permutation of a history, in any batching, with repeats, gives the read
 * models of the history applied in commit order.
 */
describe('projections do not depend on delivery order', () => {
  it('seeded permutations with duplicates give the read models of commit order', async () => {
    for (const seed of [11, 12, 13, 14, 15]) {
      const events = history(seed);
      const inOrder = await freshReadDatabase();
      await project(inOrder, events, seed);
      const expected = await readModels(inOrder);

      const rnd = random(seed * 7);
      const shuffled = [...events, ...events.filter(() => rnd.int(0, 4) === 0)];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = rnd.int(0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const permuted = await freshReadDatabase();
      await project(permuted, shuffled, seed + 1);
      expect(await readModels(permuted), `seed ${seed}`).toEqual(expected);
      expect(expected.counted[0]).toEqual({ n: events.length });
    }
  });

  it('seeded: with the inbox pruned along the way, late copies of pruned events change nothing', async () => {
    for (const seed of [21, 22, 23, 24, 25]) {
      const events = history(seed);
      const inOrder = await freshReadDatabase();
      await project(inOrder, events, seed);
      const { inbox: _all, ...expected } = await readModels(inOrder);

      // The history in order (as the reconciler would vouch for it), the watermark raised to a
      // random applied position and the inbox pruned after random batches; then copies of random
      // events, pruned ones included, in a shuffled order, in random batches.
      const rnd = random(seed * 13);
      const pruned = await freshReadDatabase();
      for (let i = 0; i < events.length;) {
        const size = 1 + rnd.int(0, 6);
        await withTransaction(pruned, (client) => applyBatch(client, events.slice(i, i + size)));
        i += size;
        if (rnd.int(0, 2) === 0) {
          await raiseInboxWatermark(pruned, rnd.int(1, Math.min(i, events.length)));
          await pruneInboxBelowWatermark(pruned, 1 + rnd.int(0, 5));
        }
      }
      const copies = events.filter(() => rnd.int(0, 2) === 0);
      for (let i = copies.length - 1; i > 0; i--) {
        const j = rnd.int(0, i);
        [copies[i], copies[j]] = [copies[j]!, copies[i]!];
      }
      await project(pruned, copies, seed + 2);
      const { inbox, ...actual } = await readModels(pruned);
      expect(actual, `seed ${seed}`).toEqual(expected);
      const { rows } = await pruned.query<{ w: string }>('SELECT pruned_through::text AS w FROM inbox_pruning');
      expect(Number(rows[0]?.w ?? 0), `seed ${seed}: the watermark was raised`).toBeGreaterThan(0);
      expect(inbox.length, `seed ${seed}: rows were pruned`).toBeLessThan(events.length);
    }
  });
});
