/**
 * The read side's bookkeeping, one home for the projector and the query API alike: the inbox, the
 * shards' progress, the pruning watermark, the dead letters, the projection failures and the
 * reconciler's findings, with their positions on the outbox log (docs/architecture.md, "Positions
 * on the log").
 */
export * from './schemas.ts';
export * from './inbox.ts';
export * from './inbox-pruning.ts';
export * from './shard-progress.ts';
export * from './dead-letters.ts';
export * from './dead-letter-record.ts';
export * from './projection-failures.ts';
export * from './reconciler.ts';
export * from './inbox-mark.ts';
export * from './event-states.ts';
export * from './audit-window.ts';
export * from './audit-log.ts';
export * from './notifier-audit.ts';
