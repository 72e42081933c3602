import { readdirSync } from 'node:fs';
import type pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../log.ts';

/** How long an instance waits for another one's migrations before it gives up. */
const LOCK_WAIT_MS = 120_000;
const LOCK_RETRY_MS = 250;
/** What node-pg-migrate throws when another process holds its advisory lock. */
const LOCKED = 'Another migration is already running';

/**
 * Applies the numbered .sql files in `dir` that have not run yet, in name order, in one
 * transaction under node-pg-migrate's advisory lock. That lock is only tried, never waited for:
 * an instance that finds it taken (another instance of the service starting at the same moment)
 * tries again until the other is done, and then finds nothing left to apply.
 */
export async function migrate(databaseUrl: string, dir: string, log: Logger, options: MigrateOptions = {}): Promise<string[]> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      return await migrateOnce(databaseUrl, dir, log, options);
    } catch (err) {
      if (!(err instanceof Error) || err.message !== LOCKED || Date.now() > deadline) throw err;
      log.debug('another instance is migrating; waiting for it');
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
  }
}

export interface MigrateOptions {
  /**
   * A schema of the service's own, in a database another service migrates too (the notifier's in
   * the read database): its migrations run with it as search path and are recorded in its own
   * schema_migrations table, so the two services' numbered files never meet.
   */
  schema?: string;
}

async function migrateOnce(databaseUrl: string, dir: string, log: Logger, options: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    ...(options.schema ? { schema: options.schema, migrationsSchema: options.schema } : {}),
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
