import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { rabbitUrl } from '@shop/shared/config';
import { shardQueueOf } from '@shop/shared/messaging';
import { describeDeadLetter, redrive, visitDeadLetters } from '@shop/shared/messaging';
import { stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { headerText } from '@shop/shared/events';
import {
  commandApi,
  eventually,
  getIfFound,
  postJson,
  queryApi,
  stackDatabases,
  waitUntilProjected,
} from '../support/clients.ts';
import { publishRaw } from '../support/publish.ts';
import { readyInShardQueues, ROUTED_SHARD_COUNT_SQL } from '../support/shard-queues.ts';

const stack = inject('stack');
const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
const { write, read } = stackDatabases(stack);
const dirs = stackDirs(stack.stackDir);

/** Product ids from `from` whose events the outbox trigger routes to `shard`, `count` of them. */
async function productIdsOnShard(shard: number, from: number, count: number): Promise<number[]> {
  const { rows } = await write.query<{ id: number }>(
    `SELECT i AS id FROM generate_series($1::int, $1::int + 200000) AS i
      WHERE abs(hashtextextended('product:' || i, 0)) % ${ROUTED_SHARD_COUNT_SQL} = $2::int ORDER BY i LIMIT $3::int`,
    [from, shard, count],
  );
  return rows.map((r) => r.id);
}

/** Creates the products on the write side, with their outbox rows, in one transaction: one burst for Debezium. */
async function createProductsDirectly(ids: number[]): Promise<void> {
  await write.query(
    `WITH p AS (
       INSERT INTO products (id, name, category, price, stock)
       SELECT i, 'Burst ' || i, 'settlement', 3.50, 7 FROM unnest($1::int[]) AS i
       RETURNING id, name, category, price, stock)
     INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
     SELECT gen_random_uuid(), 'product', p.id::text, 'ProductCreated',
            jsonb_build_object('productId', p.id, 'name', p.name, 'category', p.category, 'price', p.price, 'stock', p.stock)
       FROM p ORDER BY p.id`,
    [ids],
  );
}

async function projectedAmong(ids: number[]): Promise<number> {
  const { rows } = await read.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM read.products WHERE product_id = ANY($1::int[])',
    [ids],
  );
  return rows[0]!.n;
}

async function parkedReasonOf(eventId: string): Promise<string | undefined> {
  const { rows } = await read.query<{ reason: string }>('SELECT reason FROM read.dead_letters WHERE event_id = $1::uuid', [
    eventId,
  ]);
  return rows[0]?.reason;
}

const poisonIds: string[] = [];

async function redriveOne(eventId: string) {
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    await visitDeadLetters(connection, names, async (msg, channel) => {
      if (describeDeadLetter(msg).eventId !== eventId) return 'keep';
      await redrive(channel, names, msg);
      return 'settled';
    });
  } finally {
    await connection.close();
  }
}

/** Leaves the dead-letter queue as it was: the poison messages of this file go. */
async function removeOurDeadLetters() {
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    await visitDeadLetters(connection, names, async (msg, channel) => {
      if (!poisonIds.includes(describeDeadLetter(msg).eventId ?? '')) return 'keep';
      channel.ack(msg);
      return 'settled';
    });
  } finally {
    await connection.close();
  }
}

describe('settlement: nothing acknowledged that was not applied', () => {
  afterEach(async () => {
    await read.query('ALTER TABLE read.dead_letters DROP CONSTRAINT IF EXISTS test_no_parking');
  });
  afterAll(async () => {
    await removeOurDeadLetters();
    await waitUntilProjected(stack, 60_000);
    for (const model of await compareReadModels(write, read)) expect(model, model.model).toMatchObject({ differences: [] });
  });

  for (const placement of ['before', 'amid', 'inside a backlog of'] as const) {
    it(`a message that cannot be parked, ${placement} a burst of 3,000 events on its shard: every event applied, the message parked later`, async () => {
      const from = { before: 1_500_000_000, amid: 1_600_000_000, 'inside a backlog of': 1_700_000_000 }[placement];
      const ids = await productIdsOnShard(3, from, 3000);
      // Parking (its bookkeeping in the read database) fails until the constraint is dropped.
      await read.query('ALTER TABLE read.dead_letters ADD CONSTRAINT test_no_parking CHECK (false) NOT VALID');
      const poisonId = randomUUID();
      poisonIds.push(poisonId);
      const poison = {
        id: poisonId,
        type: 'ProductCreated',
        aggregateType: 'product',
        aggregateId: String(ids[0]),
        payload: '{"not json',
      };
      if (placement === 'before') {
        await publishRaw(stack, [poison]);
        await createProductsDirectly(ids);
      } else {
        // A backlog: the projector is away while all of it is published, so its batches are full ones.
        if (placement !== 'amid') await stopRecorded(dirs, 'projector');
        await createProductsDirectly(ids.slice(0, 1500));
        await eventually(
          async () => ((await readyInShardQueues(stack)) >= 1500 || placement === 'amid' ? true : undefined),
          30_000,
        );
        await publishRaw(stack, [poison]);
        await createProductsDirectly(ids.slice(1500));
        if (placement !== 'amid') {
          await eventually(async () => ((await readyInShardQueues(stack)) >= 3001 ? true : undefined), 30_000);
          await startServices(stack, dirs, () => undefined);
        }
      }

      await eventually(async () => ((await projectedAmong(ids)) === ids.length ? true : undefined), 45_000).catch(
        () => undefined,
      );
      expect(await projectedAmong(ids)).toBe(ids.length);
      expect(await parkedReasonOf(poisonId)).toBeUndefined();

      // Parking works again: the message, never lost, is parked with its reason.
      await read.query('ALTER TABLE read.dead_letters DROP CONSTRAINT test_no_parking');
      const reason = await eventually(() => parkedReasonOf(poisonId), 60_000);
      expect(reason).toMatch(/^invalid: /);
      await eventually(async () => ((await readyInShardQueues(stack)) === 0 ? true : undefined), 30_000);
    }, 180_000);
  }
});

describe('attempts count real projection failures, not redeliveries', () => {
  afterAll(async () => {
    await read.query('ALTER TABLE read.products DROP CONSTRAINT IF EXISTS test_fragile');
  });

  it('an event returned six times by crashed consumers is parked only after its fifth real failure', async () => {
    await stopRecorded(dirs, 'projector');
    await read.query(`ALTER TABLE read.products ADD CONSTRAINT test_fragile CHECK (name <> 'Fragile')`);
    const created = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Fragile',
      category: 'attempts',
      price: 1,
      stock: 1,
    });
    const productId = created.body.productId as number;
    const { rows } = await write.query<{ id: string; route: string }>(
      `SELECT id, route FROM outbox WHERE aggregateid = $1::text AND type = 'ProductCreated'`,
      [String(productId)],
    );
    const queue = shardQueueOf(names, Number(rows[0]!.route.split('.')[1]));
    // Six consumers take the message and die without settling it, as six projector crashes would.
    for (let crash = 1; crash <= 6; crash++) {
      const connection = await amqp.connect(rabbitUrl(stack));
      const channel = await connection.createChannel();
      await channel.prefetch(1);
      const msg = await new Promise<amqp.ConsumeMessage>((resolve) => {
        void channel.consume(queue, (m) => m && resolve(m));
      });
      expect(headerText(msg.properties.headers?.id)).toBe(rows[0]!.id);
      await connection.close();
    }
    await startServices(stack, dirs, () => undefined);

    const reason = await eventually(() => parkedReasonOf(rows[0]!.id), 30_000);
    expect(reason).toMatch(/^projection failed \(attempt 5 of 5\): .*test_fragile/);
    const failures = await read.query<{ attempts: number }>(
      'SELECT attempts FROM read.projection_failures WHERE event_id = $1::uuid',
      [rows[0]!.id],
    );
    expect(failures.rows[0]?.attempts).toBe(5);
    poisonIds.push(rows[0]!.id);

    // Once the cause is gone, a re-drive applies it.
    await read.query('ALTER TABLE read.products DROP CONSTRAINT test_fragile');
    await redriveOne(rows[0]!.id);
    await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${productId}`));
  }, 120_000);
});
