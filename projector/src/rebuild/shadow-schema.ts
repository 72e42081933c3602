import type pg from 'pg';
import { BOOKKEEPING_TABLES, LIVE_SCHEMA, RETIRED_SCHEMA, SHADOW_SCHEMA } from '@shop/shared/read-side';
import { READ_MODELS } from '@shop/shared/read-models';

/** Every table of the read schema: the registered read models' and the bookkeeping's. */
export const READ_SCHEMA_TABLES: readonly string[] = [...BOOKKEEPING_TABLES, ...READ_MODELS.flatMap((m) => m.tables)];

/** The live schema holds a table that neither a read model nor the bookkeeping declares: a swap would lose it. */
export class UndeclaredTableError extends Error {
  constructor(readonly tables: string[]) {
    super(
      `the read schema holds table(s) no read model declares (${tables.join(', ')}); a rebuild would drop them. ` +
        `Register them in shared/src/read-models (docs/architecture.md, "Adding a read model")`,
    );
    this.name = 'UndeclaredTableError';
  }
}

/**
 * An empty copy of every table of the read schema (columns, keys, indexes, identities) in the
 * shadow schema, built from the live definitions so the DDL stays in the migrations.
 */
export async function createShadowSchema(read: pg.Pool): Promise<void> {
  const { rows } = await read.query<{ name: string }>(
    /* sql */ `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1::text ORDER BY tablename`,
    [LIVE_SCHEMA],
  );
  const undeclared = rows.map((r) => r.name).filter((name) => !READ_SCHEMA_TABLES.includes(name));
  if (undeclared.length > 0) throw new UndeclaredTableError(undeclared);
  await read.query(`DROP SCHEMA IF EXISTS ${quote(SHADOW_SCHEMA)} CASCADE`);
  await read.query(`DROP SCHEMA IF EXISTS ${quote(RETIRED_SCHEMA)} CASCADE`);
  await read.query(`CREATE SCHEMA ${quote(SHADOW_SCHEMA)}`);
  for (const name of READ_SCHEMA_TABLES) {
    // Identifiers cannot be parameters: these are the registry's names and the schema constants, quoted.
    const table = quote(name);
    await read.query(`CREATE TABLE ${quote(SHADOW_SCHEMA)}.${table} (LIKE ${quote(LIVE_SCHEMA)}.${table} INCLUDING ALL)`);
  }
}

/**
 * Swaps the shadow schema in for the live one in a single transaction: readers see the old
 * models until the commit and the new ones after it, never an empty one.
 */
export async function swapInShadow(client: pg.PoolClient): Promise<void> {
  await client.query(`ALTER SCHEMA ${quote(LIVE_SCHEMA)} RENAME TO ${quote(RETIRED_SCHEMA)}`);
  await client.query(`ALTER SCHEMA ${quote(SHADOW_SCHEMA)} RENAME TO ${quote(LIVE_SCHEMA)}`);
}

export async function dropRetired(read: pg.Pool): Promise<void> {
  await read.query(`DROP SCHEMA IF EXISTS ${quote(RETIRED_SCHEMA)} CASCADE`);
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
