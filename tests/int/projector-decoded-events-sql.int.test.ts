import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeEvent, type KnownEvent } from '@shop/shared/events';
import { edgePayloadMessage, nearlyValidMessage, READER_CURRENCY, validMessage } from '../support/event-messages.ts';
import { freshReadDatabase } from '../support/read-database.ts';
import { applyBatch } from '../../projector/src/projection/apply-batch.ts';

const stack = inject('stack');

/**
 * The decoder's promise, checked against the real read model: an event it returns never fails in
 * SQL for a reason it could have seen. Every decoded event, from valid messages at the edges of
 * the accepted ranges and from valid messages with parts broken, is projected on a fresh read
 * database of this file's own, each in a transaction that is rolled back.
 */
describe('events the decoder accepts, projected on a real read database', () => {
  let pool: pg.Pool;

  beforeAll(async () => {
    pool = await freshReadDatabase(stack, 'decode');
  });
  afterAll(() => pool.end());

  async function project(event: KnownEvent): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await applyBatch(client, [event]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  it('never fails in SQL', async () => {
    let projected = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          validMessage.map((v) => v.message),
          edgePayloadMessage,
          nearlyValidMessage,
        ),
        async ({ headers, body }) => {
          const result = decodeEvent(headers, body, { shopCurrency: READER_CURRENCY });
          if (result.kind !== 'event') return;
          projected += 1;
          await project(result.event);
        },
      ),
      { seed: 47, numRuns: 2000 },
    );
    // About half of them get as far as SQL: the property does not hold merely because everything is refused.
    expect(projected).toBeGreaterThan(500);
  });
});
