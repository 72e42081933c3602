import type { Logger } from '@shop/shared/log';
import { abandonStale, claimOperation } from '@shop/shared/operations';
import { startPeriodic } from '@shop/shared/periodic';
import { ABANDONED_AFTER_MS } from './progress-reporter.ts';
import { runAndRecord, runOperation, type OperationDeps } from './run-operation.ts';

export interface OperationsRunner {
  stop(): Promise<void>;
}

/**
 * Looks for requested operations (the console's rebuild and reconcile buttons) every `pollMs` and
 * runs them one at a time. Several projectors may run this: the claim takes each one once. A
 * running operation whose process died is failed (its heartbeat stops) rather than left running
 * forever, which would also block the next request of its kind.
 */
export function startOperationsRunner(deps: OperationDeps & { pollMs: number; log: Logger }): OperationsRunner {
  const { log } = deps;
  const poll = async () => {
    for (const lost of await abandonStale(deps.read, ABANDONED_AFTER_MS)) log.warn({ operation: lost }, 'operation abandoned');
    // A failed operation is recorded (and logged) by runAndRecord; the runner goes on.
    const op = await claimOperation(deps.read);
    if (op) await runAndRecord(op, deps, (progress) => runOperation(op, deps, progress)).catch(() => undefined);
  };
  return startPeriodic(poll, {
    everyMs: deps.pollMs,
    runAtStart: false,
    onError: (err) => log.warn({ err }, 'operations runner failed; trying again'),
  });
}
