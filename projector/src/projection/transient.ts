/**
 * Errors that say the read database is unreachable or busy, not that the event is bad: the batch
 * is retried as it is (nothing settled, order kept) until the database answers again.
 */
const TRANSIENT_SQLSTATE_PREFIXES = ['08', '57P', '53', '40001', '40P01'];
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TRANSIENT_NODE_CODES.has(code)) return true;
    if (TRANSIENT_SQLSTATE_PREFIXES.some((prefix) => code.startsWith(prefix))) return true;
  }
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}
