import type { Logger } from './log.ts';

/**
 * Runs `shutdown` once on SIGTERM/SIGINT, then exits; a second signal or a shutdown that hangs
 * past `timeoutMs` forces the exit so a supervisor is never left waiting.
 */
export function onShutdownSignal(log: Logger, shutdown: () => Promise<void>, timeoutMs = 10_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), timeoutMs).unref();
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/** Mistakes of set-up, not of code: their message says it all. */
const PLAIN_ERRORS = new Set(['ConfigError', 'MigrationsPendingError']);

/** Logs a fatal start-up error in one line (no stack for configuration mistakes) and exits. */
export function exitOnStartupError(log: Logger, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  log.fatal({ err: err instanceof Error && !PLAIN_ERRORS.has(err.name) ? err : undefined }, message);
  process.exit(1);
}
