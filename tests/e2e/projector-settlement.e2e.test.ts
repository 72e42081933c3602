import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { rabbitUrl } from '@shop/shared/config';
import { shardQueueOf } from '@shop/shared/messaging';
import { describeDeadLetter, visitDeadLetters } from '../../projector/src/dead-letters/dead-letter-queue.ts';
import { stackDirs, stopRecorded } from '../../infra/src/native/processes.ts';
import { startServices } from '../../infra/src/native/stack.ts';
import { compareReadModels } from '../../projector/src/verify/compare-read-models.ts';
import { eventually, stackDatabases, waitUntilProjected } from '../support/clients.ts';
import { publishRaw } from '../support/publish.ts';

const stack = inject('stack');
const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
const { write, read } = stackDatabases(stack);
const dirs = stackDirs(stack.stackDir);

/** Product ids from `from` whose events the outbox trigger routes to `shard`, `count` of them. */
async function productIdsOnShard(shard: number, from: number, count: number): Promise<number[]> {
  const { rows } = await write.query<{ id: number }>(
    `SELECT i AS id FROM generate_series($1::int, $1::int + 200000) AS i
      WHERE abs(hashtextextended('product:' || i, 0)) % 8 = $2::int ORDER BY i LIMIT $3::int`,
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

/** Messages ready in the shard queues (none once every delivery is settled and nothing waits). */
async function readyInShardQueues(): Promise<number> {
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const channel = await connection.createChannel();
    let ready = 0;
    for (let shard = 0; shard < 8; shard++) ready += (await channel.checkQueue(shardQueueOf(names, shard))).messageCount;
    return ready;
  } finally {
    await connection.close();
  }
}

async function parkedReasonOf(eventId: string): Promise<string | undefined> {
  const { rows } = await read.query<{ reason: string }>('SELECT reason FROM read.dead_letters WHERE event_id = $1::uuid', [
    eventId,
  ]);
  return rows[0]?.reason;
}

const poisonIds: string[] = [];

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
        await eventually(async () => ((await readyInShardQueues()) >= 1500 || placement === 'amid' ? true : undefined), 30_000);
        await publishRaw(stack, [poison]);
        await createProductsDirectly(ids.slice(1500));
        if (placement !== 'amid') {
          await eventually(async () => ((await readyInShardQueues()) >= 3001 ? true : undefined), 30_000);
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
      await eventually(async () => ((await readyInShardQueues()) === 0 ? true : undefined), 30_000);
    }, 180_000);
  }
});
