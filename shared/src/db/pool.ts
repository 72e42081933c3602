import pg from 'pg';

// Postgres numeric (money) comes back as a string; keep it exact and let callers convert.
/** `searchPath` names the schema unqualified table names resolve to (the read side's is `read`). */
export function createPool(connectionString: string, max: number, applicationName: string, searchPath?: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * pg-pool's error when no connection frees up within connectionTimeoutMillis: every connection
 * is busy (overload) or the database does not accept new ones. It has no code, only this message.
 */
export function isPoolExhausted(err: unknown): boolean {
  return err instanceof Error && err.message === 'timeout exceeded when trying to connect';
}
