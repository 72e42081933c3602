import type pg from 'pg';

/** Counts one real projection failure of an event; returns how many it has had so far. */
export async function recordProjectionFailure(pool: pg.Pool, eventId: string, error: string): Promise<number> {
  const { rows } = await pool.query<{ attempts: number }>(
    /* sql */ `INSERT INTO read.projection_failures AS f (event_id, attempts, last_error) VALUES ($1::uuid, 1, $2::text)
               ON CONFLICT (event_id) DO UPDATE
                  SET attempts = f.attempts + 1, last_error = EXCLUDED.last_error, last_failed_at = now()
               RETURNING attempts`,
    [eventId, printable(error)],
  );
  return rows[0]!.attempts;
}

/** Postgres text cannot hold NUL; an error message is for people, so a bounded length is enough. */
const printable = (text: string) => text.replaceAll('\u0000', '').slice(0, 1000);
