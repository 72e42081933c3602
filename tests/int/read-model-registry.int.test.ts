import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { READ_MODELS } from '@shop/shared/read-models';
import { createShadowSchema, READ_SCHEMA_TABLES, UndeclaredTableError } from '../../projector/src/rebuild/shadow-schema.ts';
import { freshReadDatabase } from '../support/read-database.ts';

const stack = inject('stack');

/**
 * The registry (shared/src/read-models) is the one list the batches, the rebuild and the
 * comparison loop over: it must name exactly what the migrations make, or a rebuild would leave a
 * table behind and a batch would call a function that is not there.
 */
describe('the read model registry against the migrated read database', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = await freshReadDatabase(stack, 'registry');
  });
  afterAll(() => pool.end());

  it('names every table of the read schema, the bookkeeping included, and no other', async () => {
    const { rows } = await pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'read'`);
    expect(rows.map((r) => r.name).sort()).toEqual([...READ_SCHEMA_TABLES].sort());
  });

  it("finds each read model's function with the parameters it declares", async () => {
    for (const model of READ_MODELS) {
      const signature = `${model.applyFunction}(projection.admission, ${model.parameterTypes.join(', ')})`;
      const { rows } = await pool.query<{ found: string | null }>(`SELECT to_regprocedure($1)::text AS found`, [signature]);
      expect(rows[0]!.found, signature).not.toBeNull();
    }
  });

  it('refuses to rebuild over a table no read model declares, and changes nothing', async () => {
    await pool.query('CREATE TABLE read.operator_notes (note text)');
    try {
      await expect(createShadowSchema(pool)).rejects.toThrow(UndeclaredTableError);
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname IN ('read_rebuild', 'read_retired')`,
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      await pool.query('DROP TABLE read.operator_notes');
    }
  });
});
