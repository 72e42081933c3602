import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { describeDeadLetter, redrive, redriveDeadLetters, visitDeadLetters } from '@shop/shared/messaging';
import { commandApi, eventually, getIfFound, postJson, queryApi, stackDatabases } from '../support/clients.ts';
import { publishRaw, withBroker } from '../support/publish.ts';

const stack = inject('stack');
const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };

const listDeadLetters = async () => (await withBroker(stack, (c) => redriveDeadLetters(c, names, () => false))).seen;

describe('poison messages', () => {
  const { read } = stackDatabases(stack);
  const ids = { invalid: randomUUID() as string, unknownType: randomUUID() as string, newerVersion: randomUUID() as string };

  afterAll(async () => {
    await read.query('ALTER TABLE read.products DROP CONSTRAINT IF EXISTS test_blocked');
    // Leave the queue as we found it: our dead letters go.
    await withBroker(stack, (connection) =>
      visitDeadLetters(connection, names, async (msg, channel) => {
        if (!Object.values(ids).includes(describeDeadLetter(msg).eventId ?? '')) return 'keep';
        channel.ack(msg);
        return 'settled';
      }),
    );
  });

  it('undecodable, unknown and newer-version messages are parked in the DLQ with the reason', async () => {
    const product = { productId: 1_999_000_001, name: 'x', category: 'x', price: 1, stock: 1 };
    await publishRaw(stack, [
      {
        id: ids.invalid,
        type: 'ProductCreated',
        aggregateType: 'product',
        aggregateId: '1999000001',
        payload: '{"productId": 1,',
      },
      {
        id: ids.unknownType,
        type: 'ProductArchived',
        aggregateType: 'product',
        aggregateId: '1999000001',
        payload: { productId: 1 },
      },
      {
        id: ids.newerVersion,
        type: 'ProductCreated',
        aggregateType: 'product',
        aggregateId: '1999000001',
        payload: product,
        schemaVersion: 2,
      },
    ]);
    const letters = await eventually(async () => {
      const all = await listDeadLetters();
      const ours = all.filter((l) => Object.values(ids).includes(l.eventId ?? ''));
      return ours.length === 3 ? ours : undefined;
    });
    const reasonOf = (id: string) => letters.find((l) => l.eventId === id)?.reason;
    expect(reasonOf(ids.invalid)).toMatch(/^invalid: body is not JSON/);
    expect(reasonOf(ids.unknownType)).toMatch(/^unsupported: unknown event type ProductArchived/);
    expect(reasonOf(ids.newerVersion)).toMatch(/^unsupported: schema version 2 is newer than 1/);
    expect(letters.every((l) => l.routingKey?.startsWith('outbox.event.product.'))).toBe(true);
    expect(await getIfFound(`${queryApi(stack)}/api/products/1999000001`)).toBeUndefined();
  });

  it('an event that keeps failing is retried, then dead-lettered with its error while later events flow; re-drive applies it', async () => {
    await read.query(`ALTER TABLE read.products ADD CONSTRAINT test_blocked CHECK (name <> 'Blocked')`);
    const blocked = await postJson(`${commandApi(stack)}/api/products`, { name: 'Blocked', category: 'dlq', price: 1, stock: 1 });
    const later = await postJson(`${commandApi(stack)}/api/products`, { name: 'Flowing', category: 'dlq', price: 2, stock: 2 });
    await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${later.body.productId}`));

    const letter = await eventually(async () => (await listDeadLetters()).find((l) => l.body.includes('"Blocked"')));
    expect(letter.reason).toMatch(/projection failed \(attempt 5 of 5\): .*test_blocked/);
    expect(await getIfFound(`${queryApi(stack)}/api/products/${blocked.body.productId}`)).toBeUndefined();

    await read.query('ALTER TABLE read.products DROP CONSTRAINT test_blocked');
    const redriven = await withBroker(stack, async (connection) => {
      let count = 0;
      await visitDeadLetters(connection, names, async (msg, channel) => {
        if (describeDeadLetter(msg).eventId !== letter.eventId) return 'keep';
        count += (await redrive(channel, names, msg)) ? 1 : 0;
        return 'settled';
      });
      return count;
    });
    expect(redriven).toBe(1);
    const product = await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${blocked.body.productId}`));
    expect(product).toMatchObject({ name: 'Blocked', category: 'dlq' });
    expect((await listDeadLetters()).some((l) => l.eventId === letter.eventId)).toBe(false);
  });
});
