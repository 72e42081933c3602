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
