import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { createLogger } from '@shop/shared/log';
import { consumableShardCount, readShardRouting, routedShardCount } from '@shop/shared/outbox';
import { markDrained, switchRouting } from '../../command-api/src/outbox/routing-switch.ts';
import { ensureDatabases } from '../../infra/src/native/postgres-cluster.ts';

const stack = inject('stack');
const migrationsDir = fileURLToPath(new URL('../../command-api/migrations', import.meta.url));

/** The route the trigger must have given a row, by `count` shards. */
const expected = (count: number) =>
  `aggregatetype || '.' || (abs(hashtextextended(aggregatetype || ':' || aggregateid, 0)) % ${count})`;

/** The shard routing of the write side (command-api migration 010) and its switch. */
describe('outbox routing (command-api migration 010)', () => {
  let pool: pg.Pool;

  beforeAll(async () => {
    const database = `routing_${randomBytes(6).toString('hex')}`;
    await ensureDatabases(stack, [database]);
    const url = postgresUrl(stack, database);
    await migrate(url, migrationsDir, createLogger('test', 'silent'));
    pool = createPool(url, 4, 'routing-test');
  });

  afterAll(async () => {
    await pool.end();
  });

  const insert = async (client: pg.ClientBase | pg.Pool, aggregate: string) =>
    (
      await client.query<{ position: string; route: string }>(
        `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, 'order', $2, 'OrderPlaced', '{}')
         RETURNING position::text, route`,
        [randomUUID(), aggregate],
      )
    ).rows[0]!;

  it('routes by 8 until a switch, and the switch waits for a writer in progress', async () => {
    for (let i = 0; i < 50; i++) await insert(pool, String(i));
    expect(routedShardCount(await readShardRouting(pool))).toBe(8);

    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      const open = await insert(writer, 'in-progress');
      let settled = false;
      const switching = switchRouting(pool, 16).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(settled).toBe(false); // held by the open writer
      await writer.query('COMMIT');
      const outcome = await switching;
      expect(outcome).toEqual({ cut: expect.any(Number), switched: true, drained: false });
      expect(outcome.cut).toBeGreaterThanOrEqual(Number(open.position));

      for (let i = 50; i < 100; i++) expect(Number((await insert(pool, String(i))).position)).toBeGreaterThan(outcome.cut);
      const { rows } = await pool.query<{ wrong: number; high: number }>(
        `SELECT count(*) FILTER (WHERE route <> CASE WHEN position > $1::bigint THEN ${expected(16)} ELSE ${expected(8)} END)::int AS wrong,
                count(*) FILTER (WHERE position > $1::bigint AND split_part(route, '.', 2)::int >= 8)::int AS high
           FROM outbox`,
        [outcome.cut],
      );
      expect(rows[0]).toEqual({ wrong: 0, high: expect.any(Number) });
      expect(rows[0]!.high).toBeGreaterThan(0);
    } finally {
      writer.release();
    }
  });

  it('lets projectors consume the new shards only once the switch is marked drained', async () => {
    const routing = await readShardRouting(pool);
    expect([routedShardCount(routing), consumableShardCount(routing)]).toEqual([16, 8]);
    // A second change waits for the first to drain.
    await expect(switchRouting(pool, 32)).rejects.toThrow(/not drained yet/);
    // Running the same change again resumes it.
    expect(await switchRouting(pool, 16)).toMatchObject({ switched: false, drained: false });
    expect(await markDrained(pool, routing.at(-1)!.sincePosition)).toBe(true);
    expect(consumableShardCount(await readShardRouting(pool))).toBe(16);
  });

  it('refuses going down, a count that is not a multiple, and a writer with one snapshot', async () => {
    await insert(pool, 'after');
    await expect(switchRouting(pool, 8)).rejects.toThrow(/only a multiple of it/);
    await expect(switchRouting(pool, 24)).rejects.toThrow(/only a multiple of it/);
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await expect(insert(writer, 'rr')).rejects.toThrow(/READ COMMITTED only/);
    } finally {
      await writer.query('ROLLBACK');
      writer.release();
    }
  });
});
