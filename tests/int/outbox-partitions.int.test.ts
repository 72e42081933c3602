import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { createPool, migrate } from '@shop/shared/db';
import { createLogger } from '@shop/shared/log';
import { archivePartition, createOutboxPartitions, livePartitions } from '@shop/shared/outbox';
import { ensureOutboxPublication } from '../../command-api/src/outbox/publication.ts';
import { ensureDatabases } from '../../infra/src/native/postgres-cluster.ts';

const stack = inject('stack');
const migrationsDir = fileURLToPath(new URL('../../command-api/migrations', import.meta.url));
const DAY = 86_400_000;

/**
 * Migration 008 on a write database that already has history (three days of outbox rows, a
 * position gap from a rolled-back insert, a publication made the way Debezium makes it), then the
 * partition upkeep and the archive step on the result.
 */
describe('partitioned outbox (command-api migration 008)', () => {
  let url: string;
  let pool: pg.Pool;
  const history: { id: string; position: string; route: string; occurred_at: Date }[] = [];

  beforeAll(async () => {
    const database = `parts_${randomBytes(6).toString('hex')}`;
    await ensureDatabases(stack, [database]);
    url = postgresUrl(stack, database);
    await runner({
      databaseUrl: url,
      dir: migrationsDir,
      direction: 'up',
      count: 7,
      migrationsTable: 'schema_migrations',
      log: () => undefined,
    });
    pool = createPool(url, 3, 'partitions-test');
    const now = Date.now();
    for (let i = 0; i < 30; i++) {
      if (i === 10) {
        // A rolled-back insert draws a position that no row keeps.
        const client = await pool.connect();
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, 'product', 'x', 'ProductCreated', '{}')`,
          [randomUUID()],
        );
        await client.query('ROLLBACK');
        client.release();
      }
      await pool.query(
        `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, occurred_at) VALUES ($1, 'product', $2, 'ProductCreated', '{}', $3)`,
        [randomUUID(), String(i), new Date(now - 2 * DAY - 3600_000 + i * (DAY / 15))],
      );
    }
    history.push(
      ...(await pool.query(`SELECT id::text, position::text, route, occurred_at FROM outbox o ORDER BY o.position`)).rows,
    );
    // As Debezium's filtered mode makes it: the table, not its root, and no publish_via_partition_root.
    await pool.query(`CREATE PUBLICATION parts_pub FOR TABLE outbox, debezium_heartbeat, debezium_signal`);
    await migrate(url, migrationsDir, createLogger('test', 'silent'));
  });

  afterAll(async () => {
    await pool.query('DROP PUBLICATION IF EXISTS parts_pub').catch(() => undefined);
    await pool.end();
  });

  it('keeps every row with its position and route, in daily partitions ending at the migration, none in the default one', async () => {
    const { rows } = await pool.query(`SELECT id::text, position::text, route, occurred_at FROM outbox o ORDER BY o.position`);
    expect(rows).toEqual(history);
    const defaults = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_default`);
    expect(defaults.rows[0]!.n).toBe(0);
    const partitions = await livePartitions(pool);
    // One per UTC day from the oldest row's to today's, the last ending at the migration.
    const days = Math.floor(Date.now() / DAY) - Math.floor(history[0]!.occurred_at.getTime() / DAY) + 1;
    expect(partitions.length).toBe(days);
    for (const [i, p] of partitions.entries()) if (i > 0) expect(p.fromAt).toEqual(partitions[i - 1]!.toAt);
  });

  it('publishes the outbox through its root: an existing publication is switched over', async () => {
    await ensureOutboxPublication(pool, 'parts_pub', 'debezium_signal');
    const { rows } = await pool.query(
      `SELECT p.pubviaroot, array_agg(t.tablename::text ORDER BY t.tablename) AS tables
         FROM pg_publication p JOIN pg_publication_tables t ON t.pubname = p.pubname
        WHERE p.pubname = 'parts_pub' GROUP BY p.pubviaroot`,
    );
    expect(rows[0]).toEqual({ pubviaroot: true, tables: ['debezium_heartbeat', 'debezium_signal', 'outbox'] });
  });

  it('creates partitions forward from where the last ends, whatever the step, never overlapping', async () => {
    const created = await createOutboxPartitions(pool, { stepSeconds: 60, ahead: 5 });
    expect(created).toBeGreaterThanOrEqual(5);
    expect(await createOutboxPartitions(pool, { stepSeconds: 60, ahead: 5 })).toBe(0);
    expect(await createOutboxPartitions(pool, { stepSeconds: 3600, ahead: 2 })).toBeGreaterThanOrEqual(1);
    const partitions = await livePartitions(pool);
    for (const [i, p] of partitions.entries()) if (i > 0) expect(p.fromAt).toEqual(partitions[i - 1]!.toAt);
    expect(partitions.at(-1)!.toAt.getTime()).toBeGreaterThan(Date.now() + 3600_000);
  });

  it('continues positions after the last one drawn, the rolled-back one included', async () => {
    const before = await pool.query<{ last: string }>(`SELECT max(position)::text AS last FROM outbox`);
    expect(Number(before.rows[0]!.last)).toBe(31); // 30 rows and one rolled back
    const { rows } = await pool.query<{ position: string; route: string }>(
      `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, 'order', '7', 'OrderPlaced', '{}') RETURNING position::text, route`,
      [randomUUID()],
    );
    expect(rows[0]).toEqual({ position: '32', route: expect.stringMatching(/^order\.[0-7]$/) });
  });

  it('archives a partition only when every event in it is at or below the mark, and the log still holds it', async () => {
    const [oldest] = await livePartitions(pool);
    const { rows } = await pool.query<{ max: string; n: number }>(
      `SELECT max(position)::text AS max, count(*)::int AS n FROM outbox WHERE occurred_at >= $1 AND occurred_at < $2`,
      [oldest!.fromAt, oldest!.toAt],
    );
    const high = Number(rows[0]!.max);
    expect(await archivePartition(pool, oldest!.name, high - 1, 2000)).toBeNull();
    expect((await livePartitions(pool))[0]!.name).toBe(oldest!.name);

    expect(await archivePartition(pool, oldest!.name, high, 2000)).toBe(rows[0]!.n);
    expect((await livePartitions(pool))[0]!.name).not.toBe(oldest!.name);
    const log = await pool.query(`SELECT id::text, position::text, route, occurred_at FROM outbox_history h ORDER BY h.position`);
    expect(log.rows.slice(0, history.length)).toEqual(history);
    const archived = await pool.query(`SELECT name, events::int FROM outbox_archive.partitions`);
    expect(archived.rows).toEqual([{ name: oldest!.name, events: rows[0]!.n }]);
  });
});
