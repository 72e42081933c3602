import type pg from 'pg';
import { reportProgress, type OperationProgress } from '@shop/shared/operations';
import type { Logger } from '@shop/shared/log';
import { startPeriodic } from '@shop/shared/periodic';

/** How often a running operation's heartbeat moves on, whatever it is doing. */
export const HEARTBEAT_MS = 5_000;
/** A running operation without a heartbeat for this long is failed as abandoned. */
export const ABANDONED_AFTER_MS = 60_000;
/** Progress is written at most this often (a rebuild advances once per chunk of 2,000 events). */
const PROGRESS_EVERY_MS = 500;

/**
 * Writes an operation's progress to its row, at most every PROGRESS_EVERY_MS (the last one is
 * always written at `close`), and keeps its heartbeat going while a step takes long (waiting for
 * open write transactions, the swap). Writes are serial; a failed write is logged, not fatal.
 */
export function progressReporter(read: pg.Pool, id: number, log: Logger) {
  let pending: OperationProgress | undefined;
  let lastWrite = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const write = (progress?: OperationProgress) => {
    chain = chain
      .then(() => reportProgress(read, id, progress))
      .catch((err: unknown) => log.warn({ err, operation: id }, 'could not record operation progress'));
    return chain;
  };
  const flush = () => {
    const progress = pending;
    pending = undefined;
    lastWrite = Date.now();
    return write(progress);
  };
  // A write failure is logged by `write`; a heartbeat still being written when the next is due skips it.
  const heartbeat = startPeriodic(
    async () => {
      await (pending ? flush() : write());
    },
    { everyMs: HEARTBEAT_MS, runAtStart: false, onError: () => undefined },
  );
  return {
    report(progress: OperationProgress) {
      pending = progress;
      if (Date.now() - lastWrite >= PROGRESS_EVERY_MS) void flush();
    },
    async close() {
      await heartbeat.stop();
      if (pending) await flush();
      await chain;
    },
  };
}

export type ProgressReporter = ReturnType<typeof progressReporter>;
