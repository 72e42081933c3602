import type { Logger } from '@shop/shared/log';
import { startPeriodic } from '@shop/shared/periodic';
import { auditNotifier, auditProblems, type NotifierAuditDeps, type NotifierAuditReport } from './audit.ts';

export interface NotifierAuditLoop {
  /** The newest report, undefined before the first audit completes. */
  lastReport(): NotifierAuditReport | undefined;
  /** For /health: missing events, or an audit that keeps failing. */
  problems(): string[];
  stop(): Promise<void>;
}

/** Audits every `intervalMs`, one audit at a time; a failing audit is logged and retried at the next tick. */
export function startNotifierAudit(deps: NotifierAuditDeps, opts: { intervalMs: number; log: Logger }): NotifierAuditLoop {
  let report: NotifierAuditReport | undefined;
  let failures = 0;
  const periodic = startPeriodic(
    async () => {
      report = await auditNotifier(deps);
      failures = 0;
    },
    {
      everyMs: opts.intervalMs,
      runAtStart: false,
      onError: (err) => {
        failures += 1;
        opts.log.warn({ err }, 'notifier audit failed');
      },
    },
  );
  return { lastReport: () => report, problems: () => auditProblems(report, failures), stop: () => periodic.stop() };
}
