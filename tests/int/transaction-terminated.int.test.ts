import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool, withTransaction } from '@shop/shared/db';

const stack = inject('stack');
const pool = createPool(postgresUrl(stack, stack.READ_DB_NAME), 2, 'terminated-test');
const admin = createPool(postgresUrl(stack, stack.READ_DB_NAME), 1, 'terminated-admin');
afterAll(async () => {
  await Promise.all([pool.end(), admin.end()]);
});

/**
 * Found by the chaos run: the projector crashed ("Unhandled 'error' event" on a pg Client) when
 * its read-database backend was terminated between two statements of a batch transaction.
 */
describe('a transaction whose connection is terminated between two statements', () => {
  it('fails with the error instead of crashing the process, and the pool goes on with a new connection', async () => {
    const run = withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1::int)', [rows[0]!.pid]);
      // Idle between statements while the termination arrives, as during a batch's JS work.
      await sleep(300);
      await client.query('SELECT 1');
    });
    await expect(run).rejects.toThrow(/terminat|Connection/i);
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]!.one).toBe(1);
  });
});
