import { describe, expect, inject, it } from 'vitest';
import { inboxWatermark } from '@shop/shared/read-side';
import { rebuildReadModels } from '../../projector/src/rebuild/rebuild.ts';
import { PartialHistoryError } from '../../projector/src/rebuild/history.ts';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { publishLogRowsAgain } from '../chaos/duplicates.ts';
import { startRetentionRounds } from '../chaos/retention-rounds.ts';
import {
  commandApi,
  eventually,
  postJson,
  projectorStats,
  queryApi,
  projectorDatabases,
  stackDatabases,
  waitUntilProjected,
} from '../support/clients.ts';
import { inboxAgainstOutbox } from '../support/inbox-outbox.ts';
import { startWorkload } from '../support/steady-workload.ts';

const stack = inject('stack');
const silent = () => undefined;

/**
 * Retention on the test stack (one-minute outbox partitions): rounds every 3 s with no age while
 * orders, cancels and product changes go on at 20 requests/s, until the partition holding an order
 * placed at the start has been archived and its events pruned from the inbox.
 */
describe('retention under load', () => {
  const { write, read } = stackDatabases(stack);
  // Retention and the rebuild are the projector's jobs: run as its role, as the projector runs them.
  const asProjector = projectorDatabases(stack);

  it('archives ended partitions and prunes the inbox while writes go on: nothing lost, nothing counted twice', async () => {
    const products = await createProducts(4);
    const early = await postJson(`${commandApi(stack)}/api/orders`, {
      customerId: 1,
      items: [{ productId: products[0]!, quantity: 1 }],
    });
    expect(early.status).toBe(201);
    const earlyEvents = await eventIdsOfOrder(Number(early.body.orderId));

    const workload = startWorkload(commandApi(stack), products, 16, 20, silent);
    const rounds = startRetentionRounds(asProjector, 3000, silent);
    const started = Date.now();
    try {
      // Until the early order's events have left the live outbox and the inbox (at most ~2 minutes:
      // its minute ends, then the reconciler checks it), and at least 20 s under load.
      await eventually(async () => {
        const pruned = await inboxHas(earlyEvents).then((n) => n === 0);
        return pruned && Date.now() - started > 20_000 ? true : undefined;
      }, 150_000);
    } finally {
      await workload.stop();
    }
    await waitUntilProjected(stack, 60_000);
    await rounds.roundNow();
    const figures = await rounds.stop();
    expect(figures.failedRounds).toBe(0);
    expect(figures.archivedPartitions).toBeGreaterThan(0);
    expect(figures.archivedEvents).toBeGreaterThan(0);

    // Archived: out of the live outbox, in the archive, recorded.
    const where = await write.query<{ live: number; archived: number }>(
      `SELECT (SELECT count(*)::int FROM outbox WHERE id = ANY($1::uuid[])) AS live,
              (SELECT count(*)::int FROM outbox_archive.events WHERE id = ANY($1::uuid[])) AS archived`,
      [earlyEvents],
    );
    expect(where.rows[0]).toEqual({ live: 0, archived: earlyEvents.length });

    // Pruned below the watermark, dead letters excepted; nothing the log holds above it is missing.
    const watermark = await inboxWatermark(read);
    expect(watermark.prunedThrough).toBeGreaterThan(0);
    const below = await read.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM read.inbox p WHERE position <= $1::bigint
          AND NOT EXISTS (SELECT 1 FROM read.dead_letters d WHERE d.event_id = p.event_id)`,
      [watermark.prunedThrough],
    );
    expect(below.rows[0]!.n).toBe(0);
    // Dead letters handled (applied since) at or below it are forgotten; those not handled stay.
    const handledBelow = await read.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM read.dead_letters d WHERE position <= $1::bigint
          AND EXISTS (SELECT 1 FROM read.inbox p WHERE p.event_id = d.event_id)`,
      [watermark.prunedThrough],
    );
    expect(handledBelow.rows[0]!.n).toBe(0);
    const ids = await inboxAgainstOutbox(write, read);
    expect({ missing: ids.missing, unknown: ids.unknown }).toEqual({ missing: [], unknown: [] });
    await expectReadModelsEqualWriteSide();

    // Late duplicates of archived, pruned events (a message held in a queue all along): skipped.
    const archivedPositions = await write.query<{ position: string }>(
      `SELECT position::text FROM outbox_archive.events WHERE position <= $1::bigint ORDER BY position DESC LIMIT 100`,
      [watermark.prunedThrough],
    );
    const before = await projectedTotals();
    const duplicatesBefore = (await projectorStats(stack)).duplicates;
    const republished = await publishLogRowsAgain(
      stack,
      write,
      archivedPositions.rows.map((r) => Number(r.position)),
    );
    expect(republished).toBeGreaterThan(0);
    await eventually(
      async () => ((await projectorStats(stack)).duplicates >= duplicatesBefore + republished ? true : undefined),
      30_000,
    );
    expect(await projectedTotals()).toEqual(before);
    await expectReadModelsEqualWriteSide();

    // A token of the early order, whose events are no longer in the inbox: answered at once.
    const asked = Date.now();
    const res = await fetch(`${queryApi(stack)}/api/orders/${String(early.body.orderId)}`, {
      headers: { 'consistency-token': early.token!, prefer: 'wait=5' },
    });
    expect(res.status).toBe(200);
    expect(Date.now() - asked).toBeLessThan(1000);

    // A rebuild replays the archive too, says so, and fills the inbox again.
    const rebuilt = await rebuildReadModels({
      reader: { shopCurrency: 'USD' },
      ...asProjector,
      chunkSize: 1000,
      progress: { start: silent, advance: silent, stop: silent },
    });
    expect(rebuilt.history.archivedPartitions).toBeGreaterThan(0);
    expect(rebuilt.history.archivedEvents).toBeGreaterThanOrEqual(figures.archivedEvents);
    expect(rebuilt.history.dropped).toEqual([]);
    expect(await inboxHas(earlyEvents)).toBe(earlyEvents.length);
    await expectReadModelsEqualWriteSide();

    // An archived partition gone (hidden here by a rename): the next rebuild is refused, naming it.
    const { rows: archived } = await write.query<{ name: string }>(
      `SELECT name FROM outbox_archive.partitions ORDER BY from_at LIMIT 1`,
    );
    const name = archived[0]!.name;
    await write.query(`ALTER TABLE outbox_archive.${name} RENAME TO ${name}_away`);
    try {
      const refused = rebuildReadModels({
        reader: { shopCurrency: 'USD' },
        ...asProjector,
        chunkSize: 1000,
        progress: { start: silent, advance: silent, stop: silent },
      });
      await expect(refused).rejects.toBeInstanceOf(PartialHistoryError);
      await expect(refused).rejects.toThrow(name);
    } finally {
      await write.query(`ALTER TABLE outbox_archive.${name}_away RENAME TO ${name}`);
    }
  }, 300_000);

  async function createProducts(n: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await postJson(`${commandApi(stack)}/api/products`, {
        name: `Kept ${i}`,
        category: 'retention',
        price: 10 + i,
        stock: 100_000,
      });
      expect(res.status).toBe(201);
      ids.push(Number(res.body.productId));
    }
    return ids;
  }

  async function eventIdsOfOrder(orderId: number): Promise<string[]> {
    const { rows } = await write.query<{ id: string }>(
      `SELECT id::text FROM outbox_history WHERE aggregatetype = 'order' AND aggregateid = $1::text`,
      [String(orderId)],
    );
    expect(rows.length).toBeGreaterThan(0);
    return rows.map((r) => r.id);
  }

  async function inboxHas(ids: string[]): Promise<number> {
    const { rows } = await read.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM read.inbox WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    return rows[0]!.n;
  }

  async function projectedTotals() {
    const { rows } = await read.query(
      `SELECT (SELECT sum(quantity_sold)::text FROM read.product_sales) AS sold,
              (SELECT sum(total_spent)::text FROM read.customer_value) AS spent,
              (SELECT sum(order_count)::text FROM read.hourly_sales) AS hourly,
              (SELECT count(*)::int FROM read.inbox) AS inbox`,
    );
    return rows[0];
  }

  async function expectReadModelsEqualWriteSide() {
    for (const model of await compareReadModels(write, read)) expect(model, model.model).toMatchObject({ differences: [] });
  }
});
