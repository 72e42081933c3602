import { randomUUID } from 'node:crypto';
import amqp, { type GetMessage } from 'amqplib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { rabbitUrl } from '@shop/shared/config';
import { headerText } from '@shop/shared/events';
import { describeDeadLetter, visitDeadLetters } from '@shop/shared/messaging';
import { commandApi, eventually, getIfFound, postJson, queryApi, stackDatabases } from '../support/clients.ts';
import { debeziumHeaders, publishMessages, type RawMessage } from '../support/publish.ts';

const stack = inject('stack');
const names = { exchange: stack.EVENTS_EXCHANGE, queue: stack.PROJECTOR_QUEUE };
/** Marks this run's messages, which carry it on to their dead letters (the original headers are kept). */
const CASE_HEADER = 'x-test-hostile-case';
const run = randomUUID();

/** Hostile payloads name a product that never exists: none of them may be projected. */
const product = { productId: 1_999_000_101, name: 'Hostile', category: 'hostile', price: 3.5, stock: 3 };
const MIB = 1024 * 1024;

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Each one, on one shard, must be parked in the DLQ as invalid and must not hold up what follows. */
const hostile: { name: string; headers: Record<string, unknown>; body: Buffer }[] = [
  // The position is invalid, and the same message once made recordDeadLetter fail ("bigint out of range").
  { name: 'position beyond bigint', headers: { position: '99999999999999999999' }, body: json(product) },
  { name: 'NUL in the name', headers: {}, body: json({ ...product, name: 'a\u0000b' }) },
  { name: 'productId 2^31', headers: {}, body: json({ ...product, productId: 2 ** 31 }) },
  {
    name: 'invalid UTF-8 in the body',
    headers: {},
    body: Buffer.concat([
      Buffer.from(`{"productId":${product.productId},"name":"`),
      Buffer.from([0xff]),
      Buffer.from('","category":"c","price":1,"stock":1}'),
    ]),
  },
  // Above the projector's limit (1 MiB), below the broker's (2 MiB): the broker refuses what is larger.
  { name: '1.5 MiB body', headers: {}, body: json({ ...product, name: 'n'.repeat(1.5 * MIB) }) },
  { name: 'occurredAt in year 10000', headers: { occurredAt: '"+010000-01-01T00:00:00.000Z"' }, body: json(product) },
  { name: 'event type as a boolean', headers: { eventType: true }, body: json(product) },
  { name: 'event type holding NUL', headers: { eventType: '"Product\\u0000Created"' }, body: json(product) },
  { name: 'id header as an array', headers: { id: ['x'] }, body: json(product) },
  { name: 'aggregate id as invalid UTF-8 bytes', headers: { aggregateId: Buffer.from([0xc3]) }, body: json(product) },
  { name: 'price of 10^10', headers: {}, body: json({ ...product, price: 1e10 }) },
];

async function ourDeadLetters(): Promise<Map<string, { reason: string; eventId: string | undefined }>> {
  const connection = await amqp.connect(rabbitUrl(stack));
  try {
    const found = new Map<string, { reason: string; eventId: string | undefined }>();
    await visitDeadLetters(connection, names, async (msg) => {
      const name = caseOf(msg);
      if (name) found.set(name, describeDeadLetter(msg));
      return 'keep';
    });
    return found;
  } finally {
    await connection.close();
  }
}

function caseOf(msg: GetMessage): string | undefined {
  const headers = msg.properties.headers ?? {};
  return headerText(headers['x-test-run']) === run ? headerText(headers[CASE_HEADER]) : undefined;
}

describe('hostile messages through the live projector', () => {
  const { read } = stackDatabases(stack);
  const ids = hostile.map(() => randomUUID() as string);

  afterAll(async () => {
    await read.query('DELETE FROM read.dead_letters WHERE event_id = ANY($1::uuid[])', [ids]);
    const connection = await amqp.connect(rabbitUrl(stack));
    try {
      await visitDeadLetters(connection, names, async (msg, channel) => {
        if (!caseOf(msg)) return 'keep';
        channel.ack(msg);
        return 'settled';
      });
    } finally {
      await connection.close();
    }
  });

  it('parks each in the DLQ as invalid with its reason, and applies a valid event published right after them on the same shard', async () => {
    // A real product (so the read models keep matching the write side), whose shard the hostile messages go to.
    const created = await postJson(`${commandApi(stack)}/api/products`, {
      name: 'Before the storm',
      category: 'hostile',
      price: 1,
      stock: 1,
    });
    const productId = created.body.productId as number;
    await eventually(() => getIfFound(`${queryApi(stack)}/api/products/${productId}`));
    const aggregate = { aggregateType: 'product', aggregateId: String(productId) };

    const messages: RawMessage[] = hostile.map((h, i) => ({
      ...aggregate,
      headers: { ...debeziumHeaders(ids[i]!, aggregate.aggregateId, h.headers), [CASE_HEADER]: h.name, 'x-test-run': run },
      body: h.body,
    }));
    await publishMessages(stack, messages);
    // Its ProductUpdated reaches the same shard queue after them, through Debezium.
    const patched = await fetch(`${commandApi(stack)}/api/products/${productId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'After the storm', stock: 3 }),
    });
    expect(patched.status).toBe(200);

    // The valid event flows although every message before it on its shard was hostile.
    const updated = await eventually(async () => {
      const found = (await getIfFound(`${queryApi(stack)}/api/products/${productId}`)) as { name: string } | undefined;
      return found?.name === 'After the storm' ? found : undefined;
    }, 30_000);
    expect(updated).toMatchObject({ name: 'After the storm', stock: 3 });
    expect(await getIfFound(`${queryApi(stack)}/api/products/${product.productId}`)).toBeUndefined();
    const letters = await eventually(async () => {
      const found = await ourDeadLetters();
      return found.size === hostile.length ? found : undefined;
    }, 30_000).catch(() => ourDeadLetters());
    expect([...letters.keys()].sort()).toEqual(hostile.map((h) => h.name).sort());
    for (const { name } of hostile) expect(letters.get(name)?.reason, name).toMatch(/^invalid: \S/);

    // The dead letter of the message with the absurd position was noted in the read database too.
    const { rows } = await read.query('SELECT position FROM read.dead_letters WHERE event_id = $1', [ids[0]]);
    expect(rows).toEqual([{ position: null }]);
  });
});
