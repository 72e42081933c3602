import type pg from 'pg';
import type { EventReader } from '@shop/shared/events';
import type { Logger } from '@shop/shared/log';
import { finishOperation, type Operation } from '@shop/shared/operations';
import { lockerNames } from '@shop/shared/outbox';
import { rebuildReadModels, type RebuildProgress, type RebuildReport } from '../rebuild/rebuild.ts';
import type { AuditReport } from '../reconcile/reconciler.ts';
import { progressReporter, type ProgressReporter } from './progress-reporter.ts';

export interface OperationDeps {
  write: pg.Pool;
  read: pg.Pool;
  /** How the rebuild reads the log (SHOP_CURRENCY). */
  reader: EventReader;
  /** One audit now (after the one running, if any), then a heal request when events are missing. */
  reconcileNow(): Promise<{ report: AuditReport; healRequested: number }>;
}

/** Runs one claimed operation, reporting its progress; returns its result or throws. */
export function runOperation(op: Operation, deps: OperationDeps, progress: ProgressReporter): Promise<Record<string, unknown>> {
  switch (op.kind) {
    case 'rebuild':
      return rebuild(deps, progress);
    case 'reconcile':
      return reconcile(deps, progress);
  }
}

async function reconcile(deps: OperationDeps, progress: ProgressReporter) {
  progress.report({ phase: 'auditing the outbox against the read side' });
  const { report, healRequested } = await deps.reconcileNow();
  return { ...report, healRequested };
}

async function rebuild(deps: OperationDeps, progress: ProgressReporter) {
  const report = await rebuildReadModels({
    write: deps.write,
    read: deps.read,
    reader: deps.reader,
    chunkSize: 2000,
    progress: recordedRebuildProgress(progress),
  });
  return rebuildResult(report);
}

/** What an operation's row keeps of a rebuild's report (the CLI prints the skipped events too). */
export const rebuildResult = (report: RebuildReport) => ({
  events: report.events,
  applied: report.applied,
  skipped: report.skipped.length,
  history: {
    since: report.history.since,
    archivedPartitions: report.history.archivedPartitions,
    archivedEvents: report.history.archivedEvents,
    dropped: report.history.dropped.map((d) => d.name),
  },
});

/** A rebuild's progress as the operation's phase, done and total (and also to `also`, e.g. a progress bar). */
export function recordedRebuildProgress(progress: ProgressReporter, also?: RebuildProgress): RebuildProgress {
  let total = 0;
  const replaying = 'replaying the outbox into a shadow schema';
  return {
    waiting: (lockers) => {
      progress.report({ phase: `waiting for open write transactions: ${lockerNames(lockers)}` });
      also?.waiting?.(lockers);
    },
    start: (events) => {
      total = events;
      progress.report({ phase: replaying, done: 0, total });
      also?.start(events);
    },
    advance: (done) => {
      progress.report({ phase: replaying, done: Math.min(done, total), total });
      also?.advance(done);
    },
    swapping: () => {
      progress.report({ phase: 'applying the newest events and swapping in', done: total, total });
      also?.swapping?.();
    },
    stop: () => also?.stop(),
  };
}

/** Runs `work` for a running operation and records how it ended (with its last progress). */
export async function runAndRecord(
  op: Operation,
  deps: { read: pg.Pool; log: Logger },
  work: (progress: ProgressReporter) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const { read, log } = deps;
  log.info({ operation: op.id, kind: op.kind }, 'operation started');
  const progress = progressReporter(read, op.id, log);
  try {
    const result = await work(progress);
    await progress.close();
    await finishOperation(read, op.id, { succeeded: true, result });
    log.info({ operation: op.id, kind: op.kind, result }, 'operation succeeded');
    return result;
  } catch (err) {
    await progress.close();
    await finishOperation(read, op.id, { succeeded: false, error: err instanceof Error ? err.message : String(err) });
    log.warn({ operation: op.id, kind: op.kind, err }, 'operation failed');
    throw err;
  }
}
