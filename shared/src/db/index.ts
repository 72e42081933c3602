export { createPool, isPoolExhausted } from './pool.ts';
export { withTransaction } from './transaction.ts';
export { migrate } from './migrate.ts';
export { isDatabaseReachable } from './health.ts';
export { parseLsn } from './lsn.ts';
