import type pg from 'pg';

export const LIVE_SCHEMA = 'read';
export const SHADOW_SCHEMA = 'read_rebuild';
const RETIRED_SCHEMA = 'read_retired';

/**
 * An empty copy of every table of the live schema (columns, keys, indexes, identities) in the
 * shadow schema, built from the live definitions so the read model DDL stays in the migrations.
 */
export async function createShadowSchema(read: pg.Pool): Promise<void> {
  await read.query(/* sql */ `DROP SCHEMA IF EXISTS read_rebuild CASCADE`);
  await read.query(/* sql */ `DROP SCHEMA IF EXISTS read_retired CASCADE`);
  await read.query(/* sql */ `CREATE SCHEMA read_rebuild`);
  const { rows } = await read.query<{ name: string }>(
    /* sql */ `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1::text ORDER BY tablename`,
    [LIVE_SCHEMA],
  );
  for (const { name } of rows) {
    // Identifiers cannot be parameters; these come from pg_tables and are quoted.
    const table = quote(name);
    await read.query(`CREATE TABLE read_rebuild.${table} (LIKE read.${table} INCLUDING ALL)`);
  }
}

/**
 * Swaps the shadow schema in for the live one in a single transaction: readers see the old
 * models until the commit and the new ones after it, never an empty one.
 */
export async function swapInShadow(client: pg.PoolClient): Promise<void> {
  await client.query(/* sql */ `ALTER SCHEMA read RENAME TO read_retired`);
  await client.query(/* sql */ `ALTER SCHEMA read_rebuild RENAME TO read`);
}

export async function dropRetired(read: pg.Pool): Promise<void> {
  await read.query(`DROP SCHEMA IF EXISTS ${RETIRED_SCHEMA} CASCADE`);
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
