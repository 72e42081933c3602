import type pg from 'pg';

/**
 * Runs fn inside BEGIN/COMMIT on one client; rolls back on any error and always releases.
 * While the client is checked out, the pool's idle error handler does not cover it: a connection
 * ended between two statements (the database restarting, an administrator terminating the
 * backend) emits 'error' on the client, which would crash the process. It is caught here, the
 * next statement fails with it, and the client is destroyed instead of going back to the pool.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  /** 'read write' for a write by a role whose sessions are read-only by default (the query API's). */
  mode?: 'read write',
): Promise<T> {
  return inTransaction(pool, fn, mode, 'COMMIT');
}

/**
 * Runs fn inside a READ WRITE transaction that is always rolled back, even when fn succeeds: for
 * work on temporary tables whose every effect must vanish (the query API's time travel).
 */
export async function withRolledBackTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, fn, 'read write', 'ROLLBACK');
}

async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  mode: 'read write' | undefined,
  end: 'COMMIT' | 'ROLLBACK',
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query(mode === 'read write' ? 'BEGIN READ WRITE' : 'BEGIN');
    const result = await fn(client);
    await client.query(end);
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
