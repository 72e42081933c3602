import type pg from 'pg';
import { tokenSource } from './token.ts';

/**
 * The pipeline's identity: a UUID drawn once in the write database (command API migration 007),
 * so tokens of one deployment are told from another's. The command API and the query API both
 * read it at start-up.
 */
export async function pipelineSource(write: pg.Pool): Promise<string> {
  const { rows } = await write.query<{ id: string }>(/* sql */ `SELECT source::text AS id FROM pipeline_identity`);
  if (!rows[0]) throw new Error('the write database has no pipeline_identity row: has the command API migrated it?');
  return tokenSource(rows[0].id);
}

/**
 * pipelineSource read once, when first needed, and kept; a failed read (the command API has not
 * created the table yet) is tried again at the next need. For the query API, which may start
 * before the command API has migrated the write database.
 */
export function lazyPipelineSource(write: pg.Pool): () => Promise<string> {
  let source: Promise<string> | undefined;
  return () => {
    source ??= pipelineSource(write).catch((err: unknown) => {
      source = undefined;
      throw err;
    });
    return source;
  };
}
