import type pg from 'pg';

/**
 * The read side's schemas (docs/architecture.md). Everything the projector maintains, the read
 * models and their bookkeeping, lives in `read`; a rebuild fills `read_rebuild` and swaps it in by
 * renaming, leaving the old one as `read_retired` until it is dropped. The reconciler's state and
 * the operators' requests live outside, in `reconciler` and `operations`, so a swap keeps them.
 *
 * Statements of the bookkeeping on the live side name `read` (the query API reads it from any
 * connection); statements that run on either side (applying a batch, noting what a rebuild
 * skipped) name no schema and run where `useSchema` says, on the caller's transaction.
 */
export const LIVE_SCHEMA = 'read';
export const SHADOW_SCHEMA = 'read_rebuild';
export const RETIRED_SCHEMA = 'read_retired';
export type ReadSchema = typeof LIVE_SCHEMA | typeof SHADOW_SCHEMA;

/** The bookkeeping's tables in the read schema; the read models' are in their registry (shared/src/read-models). */
export const BOOKKEEPING_TABLES = ['inbox', 'shard_progress', 'inbox_pruning', 'dead_letters', 'projection_failures'] as const;

/** Until the transaction ends, unqualified table names on `client` are those of `schema`. */
export async function useSchema(client: pg.PoolClient, schema: ReadSchema): Promise<void> {
  await client.query(/* sql */ `SELECT set_config('search_path', $1::text, true)`, [schema]);
}
