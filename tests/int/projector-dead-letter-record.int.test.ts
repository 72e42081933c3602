import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { noteDeadLetter } from '@shop/shared/read-side';

const stack = inject('stack');

/** A consumed message as amqplib hands it over, with the given headers. */
function message(headers: Record<string, unknown>): ConsumeMessage {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'x', routingKey: 'outbox.event.product.0', consumerTag: 't' },
    properties: {
      headers,
      contentType: undefined,
      contentEncoding: undefined,
      deliveryMode: undefined,
      priority: undefined,
      correlationId: undefined,
      replyTo: undefined,
      expiration: undefined,
      messageId: undefined,
      timestamp: undefined,
      type: undefined,
      userId: undefined,
      appId: undefined,
      clusterId: undefined,
    },
  };
}

/**
 * noteDeadLetter runs right before a dead letter is published: if it fails, the message is
 * never settled and never reaches the DLQ. It must succeed for any message the projector may
 * dead-letter, against the real read database (its SQL types are what refused them).
 */
describe('noteDeadLetter against the read database', () => {
  // The projector's own pool settings: unqualified table names resolve to the schema `read`.
  const pool = createPool(postgresUrl(stack, stack.READ_DB_NAME), 2, 'test', 'read');
  const written: string[] = [];
  afterAll(async () => {
    await pool.query('DELETE FROM read.dead_letters WHERE event_id = ANY($1::uuid[])', [written]);
    await pool.end();
  });

  async function record(headers: Record<string, unknown>, reason = 'invalid: test') {
    const id = randomUUID();
    written.push(id);
    await noteDeadLetter(pool, message({ id: JSON.stringify(id), ...headers }).properties.headers ?? {}, reason);
    const { rows } = await pool.query<{ position: string | null; reason: string }>(
      'SELECT position::text, reason FROM read.dead_letters WHERE event_id = $1',
      [id],
    );
    return rows[0];
  }

  it.each([
    ['beyond bigint', '99999999999999999999'],
    ['2^63', '9223372036854775808'],
    ['2^63 as an AMQP number', 2 ** 63],
    ['1e300 as an AMQP number', 1e300],
    ['negative', '-1'],
    ['a fraction', '2.5'],
  ])('records a message whose position is %s, with the position unknown', async (_what, position) => {
    expect(await record({ position })).toEqual({ position: null, reason: 'invalid: test' });
  });

  it('keeps a position beyond 2^53 exactly, up to the bigint maximum', async () => {
    expect((await record({ position: '9007199254740993' }))?.position).toBe('9007199254740993');
    expect((await record({ position: '9223372036854775807' }))?.position).toBe('9223372036854775807');
  });

  it('records a reason holding NUL and lone surrogates, made storable', async () => {
    // A position far above the inbox's pruning watermark (one at or below it is not noted).
    expect(await record({ position: '4611686018427387904' }, 'invalid: bad name "a\u0000b\ud800"')).toEqual({
      position: '4611686018427387904',
      reason: 'invalid: bad name "ab\ufffd"',
    });
  });

  it('records a reason of a megabyte, bounded', async () => {
    const row = await record({}, `projection failed: ${'x'.repeat(1024 * 1024)}`);
    expect(row?.reason.startsWith('projection failed: xxx')).toBe(true);
    expect(row?.reason.length).toBeLessThanOrEqual(1000);
  });

  it.each([
    ['missing', {}],
    ['not a uuid', { id: '"42"' }],
    ['an object', { id: { a: 1 } }],
    ['invalid UTF-8 bytes', { id: Buffer.from([0xff, 0xfe]) }],
  ])('succeeds, writing nothing, for a message whose id is %s', async (_what, headers) => {
    const before = await pool.query('SELECT count(*)::int AS n FROM read.dead_letters');
    await expect(
      noteDeadLetter(pool, message({ position: '99999999999999999999', ...headers }).properties.headers ?? {}, 'r\u0000'),
    ).resolves.toBeUndefined();
    const after = await pool.query('SELECT count(*)::int AS n FROM read.dead_letters');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
