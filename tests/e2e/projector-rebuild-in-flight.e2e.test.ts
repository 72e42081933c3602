import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { createProduct } from '../../command-api/src/products/create-product.ts';
import { rebuildReadModels } from '../../projector/src/rebuild/rebuild.ts';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { pgConnection } from '../../infra/src/native/postgres-cluster.ts';
import { commandApi, eventually, postJson, stackDatabases, waitUntilProjected } from '../support/clients.ts';
import { dbLogin } from '../../infra/src/stack-config.ts';

const stack = inject('stack');

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('npm run rebuild with a write transaction in flight', () => {
  const { write, read } = stackDatabases(stack);

  /**
   * The race the rebuild must not lose: a transaction takes outbox position p, a later one takes
   * q > p and commits, the rebuild reads the log past q while p is still open, then p commits and
   * the live projector applies it to the old models before the swap. Every moment is forced, none
   * is left to timing: the held transaction is the command API's own product creation on a client
   * of the test, and the swap is held back (the rebuild's read pool has one client, which the test
   * takes as soon as the first pass has replayed all it was going to) until the live projector has
   * applied p.
   */
  it('waits for it, then has its event exactly once and equals the write side', async () => {
    const writer = createPool(postgresUrl(stack, stack.WRITE_DB_NAME), 1, 'held-writer');
    const held = await writer.connect();
    const rebuildWrite = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.WRITE_DB_NAME), 2, 'rebuild-test');
    // No connection timeout: the test holds this pool's only client as a gate for a while.
    const rebuildRead = new pg.Pool({
      ...pgConnection(stack, stack.READ_DB_NAME),
      user: dbLogin(stack, 'projector').PG_USER,
      password: dbLogin(stack, 'projector').PG_PASSWORD,
      max: 1,
      options: '-c search_path=read',
    });
    let gate: Promise<pg.PoolClient> | undefined;
    let gateOpen = false;
    const openGate = async () => {
      if (gate && !gateOpen) (await gate).release();
      gateOpen = true;
    };
    let rebuilding: Promise<unknown> = Promise.resolve();
    try {
      await held.query('BEGIN');
      const { productId } = await createProduct(held, { name: 'In flight', category: 'in-flight', price: 12.5, stock: 3 });
      const heldEvent = (
        await held.query<{ id: string; position: string; pid: number }>(
          `SELECT id::text, position::text, pg_backend_pid() AS pid FROM outbox WHERE aggregateid = $1::text`,
          [String(productId)],
        )
      ).rows[0]!;
      const later = await postJson(`${commandApi(stack)}/api/products`, {
        name: 'Later',
        category: 'in-flight',
        price: 3,
        stock: 1,
      });
      const { rows: laterRows } = await write.query<{ position: string }>(
        `SELECT position::text FROM outbox WHERE aggregatetype = 'product' AND aggregateid = $1::text`,
        [String(later.body.productId)],
      );
      expect(Number(laterRows[0]!.position)).toBeGreaterThan(Number(heldEvent.position));
      await waitUntilProjected(stack);

      const firstPassDone = signal();
      const waiting = signal<(number | null)[]>();
      let total = -1;
      let finished = false;
      rebuilding = rebuildReadModels({
        reader: { shopCurrency: 'USD' },
        write: rebuildWrite,
        read: rebuildRead,
        chunkSize: 50,
        progress: {
          start: (n) => (total = n),
          advance: (done) => {
            // Called right after a first-pass chunk committed, before the rebuild asks the pool
            // for a client again: connect() queues now, so the swap transaction waits behind it.
            if (done >= total && !gate && !gateOpen) {
              gate = rebuildRead.connect();
              firstPassDone.resolve();
            }
          },
          stop: () => undefined,
          waiting: (lockers) => waiting.resolve(lockers.map((l) => l.pid)),
        },
      }).finally(() => (finished = true));

      const first = await Promise.race([
        firstPassDone.promise.then(() => 'first pass read past the open transaction' as const),
        waiting.promise.then(() => 'rebuild waits for the open transaction' as const),
      ]);
      if (first === 'rebuild waits for the open transaction') {
        // It keeps waiting (no timeout hit, no first pass) as long as the transaction is open.
        await sleep(500);
        expect(finished).toBe(false);
        expect(gate).toBeUndefined();
      }
      await held.query('COMMIT');
      await firstPassDone.promise;
      // The worst case: the live projector applies p to the old models before the swap.
      await eventually(async () => {
        const { rowCount } = await read.query(`SELECT 1 FROM read.inbox WHERE event_id = $1::uuid`, [heldEvent.id]);
        return rowCount === 1 ? true : undefined;
      });
      await openGate();
      await rebuilding;

      const products = await read.query(`SELECT name FROM read.products WHERE product_id = $1::int`, [productId]);
      expect(products.rows).toEqual([{ name: 'In flight' }]);
      const inbox = await read.query(`SELECT position::text FROM read.inbox WHERE event_id = $1::uuid`, [heldEvent.id]);
      expect(inbox.rows).toEqual([{ position: heldEvent.position }]);
      await waitUntilProjected(stack);
      for (const model of await compareReadModels(write, read)) expect(model, model.model).toMatchObject({ differences: [] });
      // And it got there by waiting, not by luck: the rebuild named the held backend and did not
      // start its first pass before the transaction ended.
      expect(first).toBe('rebuild waits for the open transaction');
      expect(await waiting.promise).toContain(heldEvent.pid);
    } finally {
      // After a failure too: let the rebuild run to its end before closing its pools.
      await openGate();
      await held.query('ROLLBACK').catch(() => undefined);
      held.release();
      await rebuilding.catch(() => undefined);
      await Promise.all([writer.end(), rebuildWrite.end(), rebuildRead.end()]);
    }
  });

  /**
   * The one case the swap cannot read past: the projector applied an event its outbox read did
   * not show (a commit already in the WAL but not yet visible, see refuseIfLiveIsAhead). Stood in
   * for by an inbox row above every outbox position; the rebuild must roll back, not drop it.
   */
  it('refuses to swap, changing nothing, when the live inbox has an event it did not read', async () => {
    const eventId = randomUUID();
    await read.query(
      `INSERT INTO read.inbox (event_id, event_type, aggregate_type, aggregate_id, occurred_at, position)
       VALUES ($1::uuid, 'ProductCreated', 'product', '0', now(), 1000000000000)`,
      [eventId],
    );
    const rebuildWrite = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.WRITE_DB_NAME), 2, 'rebuild-test');
    const rebuildRead = createPool(postgresUrl(dbLogin(stack, 'projector'), stack.READ_DB_NAME), 2, 'rebuild-test', 'read');
    try {
      const before = await compareReadModels(write, read);
      const progress = { start: () => undefined, advance: () => undefined, stop: () => undefined };
      await expect(
        rebuildReadModels({ reader: { shopCurrency: 'USD' }, write: rebuildWrite, read: rebuildRead, chunkSize: 50, progress }),
      ).rejects.toThrow(
        `the live projector applied events the outbox did not show yet (${eventId}); nothing swapped, run it again`,
      );
      const { rowCount } = await read.query(`SELECT 1 FROM read.inbox WHERE event_id = $1::uuid`, [eventId]);
      expect(rowCount).toBe(1);
      expect(await compareReadModels(write, read)).toEqual(before);
    } finally {
      await read.query(`DELETE FROM read.inbox WHERE event_id = $1::uuid`, [eventId]);
      await Promise.all([rebuildWrite.end(), rebuildRead.end()]);
    }
  });
});
