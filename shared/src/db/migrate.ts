import { runner } from 'node-pg-migrate';

/**
 * Applies the numbered .sql files in `dir` that have not run yet, in name order, in one
 * transaction under node-pg-migrate's advisory lock, so two services starting at once are safe.
 */
export async function migrate(databaseUrl: string, dir: string, log: (msg: string) => void = () => undefined) {
  const applied = await runner({
    databaseUrl,
    dir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    singleTransaction: true,
    log,
  });
  return applied.map((m) => m.name);
}
