export { createPool, isPoolExhausted } from './pool.ts';
export { withRolledBackTransaction, withTransaction } from './transaction.ts';
export { migrate, MigrationsPendingError, pendingMigrations, type MigrateOptions } from './migrate.ts';
export { isDatabaseReachable } from './health.ts';
export { parseLsn } from './lsn.ts';
