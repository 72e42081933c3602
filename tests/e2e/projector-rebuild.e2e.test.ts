import { describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { postgresUrl } from '@shop/shared/config';
import { inboxWatermark } from '@shop/shared/read-side';
import { createPool } from '@shop/shared/db';
import { rebuildReadModels } from '../../projector/src/rebuild/rebuild.ts';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { queryApi, stackDatabases, waitUntilProjected } from '../support/clients.ts';
import { runMixedWorkload } from '../support/workload.ts';
import { dbLogin } from '../../infra/src/stack-config.ts';

const stack = inject('stack');

/**
 * Every read model table as text, the inbox without its apply times and order, above `prunedThrough`
 * (retention pruned the inbox below it; a rebuild fills it again: checked apart).
 */
async function dumpReadModels(read: pg.Pool, prunedThrough = 0): Promise<Record<string, string[]>> {
  const tables = ['products', 'orders', 'order_items', 'product_sales', 'category_revenue', 'customer_value', 'hourly_sales'];
  const dump: Record<string, string[]> = {};
  for (const table of tables) {
    const { rows } = await read.query(`SELECT t::text AS row FROM read.${table} t ORDER BY 1`);
    dump[table] = rows.map((r) => r.row as string);
  }
  const inbox = await read.query(
    `SELECT event_id::text, event_type, aggregate_type, aggregate_id, occurred_at FROM read.inbox
      WHERE position IS NULL OR position > $1::bigint ORDER BY 1`,
    [prunedThrough],
  );
  dump.inbox = inbox.rows.map((r) => JSON.stringify(r));
  return dump;
}

describe('npm run rebuild', () => {
  const { write, read } = stackDatabases(stack);

  it('reproduces the live read models exactly', async () => {
    await runMixedWorkload(stack, 2, 40);
    await waitUntilProjected(stack);
    const { prunedThrough } = await inboxWatermark(read);
    const live = await dumpReadModels(read, prunedThrough);
    expect(live.orders!.length).toBeGreaterThanOrEqual(40);

    const shardPositions = async () =>
      (
        await read.query<{ shard: number; max: string }>(
          'SELECT shard, highest_applied::text AS max FROM read.shard_progress WHERE shard >= 0 ORDER BY shard',
        )
      ).rows;
    const before = await shardPositions();
    expect(before.length).toBeGreaterThan(0);

    const report = await rebuild();
    expect(report.events).toBeGreaterThan(0);
    expect(await dumpReadModels(read, prunedThrough)).toEqual(live);
    // The new inbox holds the whole log again, what retention pruned included, and no watermark.
    const { rows: whole } = await write.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_history');
    const { rows: inbox } = await read.query<{ n: number }>('SELECT count(*)::int AS n FROM read.inbox');
    expect(inbox[0]!.n).toBe(whole[0]!.n - report.skipped.length);
    expect((await inboxWatermark(read)).prunedThrough).toBe(0);
    // The reconciler tells a lost event from one on its way by how far each shard has applied
    // (shard_progress per shard): the rebuild keeps those positions, and the total stays the inbox's size.
    expect(await shardPositions()).toEqual(before);
    const { rows } = await read.query<{ counted: string; actual: string }>(
      'SELECT (SELECT sum(applied) FROM read.shard_progress)::text AS counted, (SELECT count(*) FROM read.inbox)::text AS actual',
    );
    expect(rows[0]!.counted).toBe(rows[0]!.actual);
  });

  it('swaps in without a window where queries see empty data, while writes go on', async () => {
    const polls: { status: number; count: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const res = await fetch(`${queryApi(stack)}/api/products?limit=1000`);
        polls.push({ status: res.status, count: res.ok ? ((await res.json()) as unknown[]).length : -1 });
      }
    })();
    const writes = runMixedWorkload(stack, 3, 30);
    await rebuild();
    await writes;
    polling = false;
    await poller;

    expect(polls.length).toBeGreaterThan(5);
    expect(polls.filter((p) => p.status !== 200 || p.count === 0)).toEqual([]);
    await waitUntilProjected(stack);
    for (const model of await compareReadModels(write, read)) expect(model, model.model).toMatchObject({ differences: [] });
  });
});

async function rebuild() {
  const writePool = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.WRITE_DB_NAME), 2, 'rebuild-test');
  const readPool = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.READ_DB_NAME), 2, 'rebuild-test', 'read');
  try {
    const progress = { start: () => undefined, advance: () => undefined, stop: () => undefined };
    return await rebuildReadModels({
      reader: { shopCurrency: 'USD' },
      write: writePool,
      read: readPool,
      chunkSize: 50,
      progress,
    });
  } finally {
    await writePool.end();
    await readPool.end();
  }
}
