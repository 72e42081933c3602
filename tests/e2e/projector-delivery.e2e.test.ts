import { describe, expect, inject, it } from 'vitest';
import { runningPid, stackDirs } from '../../infra/src/native/processes.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import {
  commandApi,
  connect,
  stackDatabases,
  eventually,
  getIfFound,
  postJson,
  projectorStats,
  queryApi,
} from '../support/clients.ts';
import { publishRaw } from '../support/publish.ts';
import { readyInShardQueues } from '../support/shard-queues.ts';

const stack = inject('stack');

/** Creates a product through the whole pipeline and waits until the query API lists it. */
async function createProjectedProduct(name: string) {
  const created = await postJson(`${commandApi(stack)}/api/products`, { name, category: 'delivery', price: 10, stock: 1 });
  const productId = created.body.productId as number;
  await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${productId}`));
  return productId;
}

describe('projector delivery guarantees', () => {
  const { write, read } = stackDatabases(stack);

  it('the same message delivered twice more leaves one row and one inbox entry', async () => {
    const productId = await createProjectedProduct('Twice');
    const { rows } = await write.query(
      `SELECT id, payload, occurred_at FROM outbox WHERE aggregateid = $1::text AND type = 'ProductCreated'`,
      [String(productId)],
    );
    const event = {
      id: rows[0].id,
      type: 'ProductCreated',
      aggregateType: 'product',
      aggregateId: String(productId),
      payload: rows[0].payload,
      occurredAt: rows[0].occurred_at.toISOString(),
    };
    const before = await projectorStats(stack);
    await publishRaw(stack, [event, event]);
    await eventually(async () => ((await projectorStats(stack)).duplicates >= before.duplicates + 2 ? true : undefined));

    const products = await read.query(`SELECT count(*)::int AS n FROM read.products WHERE product_id = $1::int`, [productId]);
    const inbox = await read.query(`SELECT count(*)::int AS n FROM read.inbox WHERE event_id = $1::uuid`, [event.id]);
    expect(products.rows[0].n).toBe(1);
    expect(inbox.rows[0].n).toBe(1);
    expect((await projectorStats(stack)).processed).toBe(before.processed);
  });

  it('a redelivered event with the id of one already applied changes nothing', async () => {
    const productId = await createProjectedProduct('Original name');
    const { rows } = await write.query(`SELECT id FROM outbox WHERE aggregateid = $1::text AND type = 'ProductCreated'`, [
      String(productId),
    ]);
    const before = await projectorStats(stack);
    await publishRaw(stack, [
      {
        id: rows[0].id,
        type: 'ProductCreated',
        aggregateType: 'product',
        aggregateId: String(productId),
        payload: { productId, name: 'Tampered', category: 'delivery', price: 99, stock: 99 },
      },
    ]);
    await eventually(async () => ((await projectorStats(stack)).duplicates >= before.duplicates + 1 ? true : undefined));
    expect(await getIfFound(`${queryApi(stack)}/api/products/${productId}`)).toMatchObject({ name: 'Original name', price: 10 });
  });

  it('acks only after commit: a projector killed mid-transaction gets the message again after restart', async () => {
    const dirs = stackDirs(stack.stackDir);
    // Nothing waits in the shard queues before: the message found there after the kill is this one.
    await eventually(async () => ((await readyInShardQueues(stack)) === 0 ? true : undefined));
    const locker = await connect(stack, stack.READ_DB_NAME);
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE read.products IN EXCLUSIVE MODE');
      const created = await postJson(`${commandApi(stack)}/api/products`, {
        name: 'Survivor',
        category: 'delivery',
        price: 3,
        stock: 1,
      });
      const productId = created.body.productId as number;

      // The projector has the message and is blocked on our lock, inside its transaction.
      await eventually(async () => {
        const { rows } = await read.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'projector' AND wait_event_type = 'Lock'`,
        );
        return rows.length > 0 ? true : undefined;
      });
      const pid = runningPid(dirs, 'projector');
      expect(pid).toBeDefined();
      process.kill(pid!, 'SIGKILL');
      await eventually(async () => (runningPid(dirs, 'projector') === undefined ? true : undefined));
      await locker.query('ROLLBACK');

      // Killed before its ack, so the broker has the message again (ready, with no consumer). The
      // killed projector's statement may still commit once the lock is gone: its backend runs the
      // batch's one statement to the end (projection.apply_batch, a transaction of its own), as a
      // commit already sent would. Either way the redelivery is applied once: below, inbox = 1.
      await eventually(async () => ((await readyInShardQueues(stack)) >= 1 ? true : undefined));
      await startServices(stack, dirs, () => undefined);
      const product = await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${productId}`));
      expect(product).toMatchObject({ productId, name: 'Survivor' });

      const event = await write.query(
        `SELECT id FROM outbox WHERE aggregatetype = 'product' AND aggregateid = $1::text AND type = 'ProductCreated'`,
        [String(productId)],
      );
      const inbox = await read.query(`SELECT count(*)::int AS n FROM read.inbox WHERE event_id = $1::uuid`, [event.rows[0].id]);
      expect(inbox.rows[0].n).toBe(1);
    } finally {
      await locker.end();
    }
  });
});
