import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresUrl } from '@shop/shared/config';
import { migrate } from '@shop/shared/db';

const stack = inject('stack');
const database = `migrate_race_${process.pid}`;
const admin = () => new pg.Client({ connectionString: postgresUrl(stack, 'postgres') });

/**
 * Several instances of a service start at once (two projectors, a scale-out): each migrates its
 * database at start. One takes node-pg-migrate's advisory lock; the others must wait for it and
 * then find nothing left to do, not fail with "Another migration is already running".
 */
describe('migrations run by several instances starting at once', () => {
  beforeAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${database}`);
    await client.query(`CREATE DATABASE ${database}`);
    await client.end();
  });
  afterAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.end();
  });

  it('every instance succeeds, and each migration runs once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-race-'));
    // Slow enough that the others try while the first holds the lock.
    writeFileSync(join(dir, '001_slow.sql'), 'SELECT pg_sleep(1.5);\nCREATE TABLE raced (id int);\n');
    const url = postgresUrl(stack, database);
    const log = pino({ level: 'silent' });
    const runs = await Promise.allSettled([migrate(url, dir, log), migrate(url, dir, log), migrate(url, dir, log)]);
    expect(runs.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    const applied = runs.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    expect(applied).toEqual(['001_slow']);
  });
});
