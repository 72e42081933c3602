import type pg from 'pg';

/** Everything a command could have written, summed up; equal snapshots mean nothing was written. */
export async function writeSnapshot(pool: pg.Pool) {
  const { rows } = await pool.query(/* sql */ `
    SELECT (SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY id), '')) FROM products p) AS products,
           (SELECT md5(coalesce(string_agg(o::text, ',' ORDER BY id), '')) FROM orders o) AS orders,
           (SELECT count(*)::int FROM order_items) AS order_items,
           (SELECT count(*)::int FROM outbox) AS outbox,
           (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys`);
  return rows[0] as Record<string, unknown>;
}
