import type pg from 'pg';
import { READ_MODELS } from '@shop/shared/read-models';

/**
 * Every registered read model's checks: its tables recomputed straight from the write database,
 * next to what the projector built (shared/src/read-models/*, `checks`).
 */
const CHECKS = READ_MODELS.flatMap((model) => model.checks);

export interface ModelComparison {
  model: string;
  writeRows: number;
  readRows: number;
  /** Up to five rows that differ, as JSON text, each side. */
  differences: { write?: string; read?: string }[];
}

export async function compareReadModels(
  write: pg.ClientBase | pg.Pool,
  read: pg.ClientBase | pg.Pool,
): Promise<ModelComparison[]> {
  const results: ModelComparison[] = [];
  for (const check of CHECKS) {
    const [w, r] = await Promise.all([rowsAsText(write, check.write), rowsAsText(read, check.read)]);
    const differences: ModelComparison['differences'] = [];
    for (let i = 0; i < Math.max(w.length, r.length) && differences.length < 5; i++) {
      if (w[i] !== r[i]) differences.push({ write: w[i], read: r[i] });
    }
    results.push({ model: check.table, writeRows: w.length, readRows: r.length, differences });
  }
  return results;
}

/** Rows as positional JSON arrays, so differently named columns compare by value. */
async function rowsAsText(db: pg.ClientBase | pg.Pool, sql: string): Promise<string[]> {
  const { rows } = await db.query({ text: sql, rowMode: 'array' });
  return rows.map((row: unknown[]) => JSON.stringify(row.map((v) => (v instanceof Date ? v.toISOString() : String(v)))));
}
