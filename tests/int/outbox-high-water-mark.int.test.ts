import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { highWaterMarkTracker, maxVisiblePosition, outboxWriters, waitForHighWaterMark } from '@shop/shared/outbox';
import { createProduct } from '../../command-api/src/products/create-product.ts';
import { commandApiForThisFile, request } from '../support/command-api.ts';

const stack = inject('stack');
const api = commandApiForThisFile(stack);

/** A product created through the command API (committed); its outbox position. */
async function committedProduct(name: string): Promise<number> {
  const created = await request(`${api.url}/api/products`, {
    method: 'POST',
    json: { name, category: 'hwm', price: 1, stock: 1 },
  });
  const { rows } = await api.pool.query<{ position: string }>(
    `SELECT position::text FROM outbox WHERE aggregatetype = 'product' AND aggregateid = $1::text`,
    [String(created.body.productId)],
  );
  return Number(rows[0]!.position);
}

/** The command API's own product creation, left open on a client of its pool. */
async function openProductCreation(): Promise<{ client: pg.PoolClient; position: number; pid: number }> {
  const client = await api.pool.connect();
  await client.query('BEGIN');
  const { productId } = await createProduct(client, { name: 'held', category: 'hwm', price: 1, stock: 1 });
  const { rows } = await client.query<{ position: string; pid: number }>(
    `SELECT position::text, pg_backend_pid() AS pid FROM outbox WHERE aggregateid = $1::text`,
    [String(productId)],
  );
  return { client, position: Number(rows[0]!.position), pid: rows[0]!.pid };
}

describe('outbox high-water mark on Postgres', () => {
  it('never passes a writer that is still open below the max, and names it when it gives up', async () => {
    const held = await openProductCreation();
    try {
      const later = await committedProduct('later');
      expect(later).toBeGreaterThan(held.position);
      expect(await maxVisiblePosition(api.pool)).toBe(later);
      // A single-row INSERT's lock is a fast-path one: pg_locks lists it all the same.
      const { rows: locks } = await api.pool.query<{ fastpath: boolean }>(
        `SELECT fastpath FROM pg_locks WHERE pid = $1::int AND relation = 'outbox'::regclass AND mode = 'RowExclusiveLock'`,
        [held.pid],
      );
      expect(locks).toEqual([{ fastpath: true }]);
      expect((await outboxWriters(api.pool)).map((l) => l.pid)).toEqual([held.pid]);

      await expect(waitForHighWaterMark(api.pool, { timeoutMs: 200 })).rejects.toThrow(
        new RegExp(`^outbox high-water mark ${later}: .* after \\d+ ms \\(pid ${held.pid}\\)`),
      );
      const tracker = highWaterMarkTracker(api.pool);
      expect(await tracker.poll()).toBeNull();

      let blockedBy: (number | null)[] = [];
      const waited = waitForHighWaterMark(api.pool, { onBlocked: (lockers) => (blockedBy = lockers.map((l) => l.pid)) });
      await sleep(300);
      expect(await tracker.poll()).toBeNull();
      await held.client.query('COMMIT');
      expect(await waited).toBe(later);
      expect(blockedBy).toEqual([held.pid]);
      expect(await tracker.poll()).toBeGreaterThanOrEqual(later);
    } finally {
      await held.client.query('ROLLBACK').catch(() => undefined);
      held.client.release();
    }
  });

  it('does not wait for readers of the outbox, nor for a writer that rolled back', async () => {
    const reader = await api.pool.connect();
    const held = await openProductCreation();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await reader.query('SELECT count(*) FROM outbox');
      await held.client.query('ROLLBACK');
      const mark = await waitForHighWaterMark(api.pool, { timeoutMs: 1_000 });
      expect(mark).toBe(await maxVisiblePosition(api.pool));
      expect(mark).toBeLessThan(held.position);
      expect(await highWaterMarkTracker(api.pool).poll()).toBe(mark);
    } finally {
      await reader.query('ROLLBACK');
      reader.release();
      held.client.release();
    }
  });
});
