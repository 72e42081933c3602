import { readdirSync } from 'node:fs';
import type pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../log.ts';

/**
 * Applies the numbered .sql files in `dir` that have not run yet, in name order, in one
 * transaction under node-pg-migrate's advisory lock, so two services starting at once are safe.
 */
export async function migrate(databaseUrl: string, dir: string, log: Logger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    singleTransaction: true,
    log: (msg: string) => log.debug(msg),
  });
  const names = applied.map((m) => m.name);
  if (names.length > 0) log.info({ applied: names }, 'migrations applied');
  return names;
}

/** A service started on a database whose migrations have not all run (they run as its owner). */
export class MigrationsPendingError extends Error {
  constructor(
    readonly database: string,
    readonly pending: string[],
    hint: string,
  ) {
    super(`the ${database} database is not migrated (pending: ${pending.join(', ')}); ${hint}`);
    this.name = 'MigrationsPendingError';
  }
}

/**
 * The migrations in `dir` that have not run on the database yet, in name order: a service that
 * may not run DDL checks this at start instead of migrating.
 */
export async function pendingMigrations(pool: pg.Pool, dir: string): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .map((name) => name.slice(0, -'.sql'.length))
    .sort();
  try {
    const { rows } = await pool.query<{ name: string }>(/* sql */ `SELECT name FROM schema_migrations`);
    const applied = new Set(rows.map((row) => row.name));
    return files.filter((name) => !applied.has(name));
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return files;
    throw err;
  }
}
