export * from './high-water-mark.ts';
export * from './partitions.ts';
export * from './routing.ts';
export * from './drain-check.ts';
export * from './drain.ts';
export * from './outbox-entries.ts';
export * from './published-mark.ts';
export * from './request-snapshot.ts';
