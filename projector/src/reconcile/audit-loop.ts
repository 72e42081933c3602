import type { Logger } from '@shop/shared/log';
import { startPeriodic } from '@shop/shared/periodic';
import type { AuditReport, Reconciler } from './reconciler.ts';

export interface AuditLoop {
  /** The newest report, undefined before the first audit completes. */
  lastReport(): AuditReport | undefined;
  /** One audit now, after the one running (audits never overlap); asks for a heal when events are missing. */
  auditNow(): Promise<{ report: AuditReport; healRequested: number }>;
  /** For /health: missing events, unknown events, or an audit that keeps failing. */
  problems(): string[];
  stop(): Promise<void>;
}

/**
 * Audits every `intervalMs` (one audit at a time) and, when `heal` is on, asks Debezium to
 * publish the missing events again. A failing audit is logged and retried at the next tick.
 */
export function startAuditLoop(reconciler: Reconciler, opts: { intervalMs: number; heal: boolean; log: Logger }): AuditLoop {
  let report: AuditReport | undefined;
  let failures = 0;
  const auditAndHeal = async (heal: boolean) => {
    report = await reconciler.audit();
    failures = 0;
    const healRequested = heal && report.missing > 0 ? await reconciler.heal() : 0;
    return { report, healRequested };
  };
  const periodic = startPeriodic(
    async () => {
      await auditAndHeal(opts.heal);
    },
    {
      everyMs: opts.intervalMs,
      runAtStart: false,
      onError: (err) => {
        failures += 1;
        opts.log.warn({ err }, 'reconciler audit failed');
      },
    },
  );
  return {
    lastReport: () => report,
    auditNow: () => periodic.runNow(() => auditAndHeal(true)),
    problems: () => auditProblems(report, failures),
    stop: () => periodic.stop(),
  };
}

/** What /health reports of the audits: missing events, unknown events, or an audit that keeps failing. */
function auditProblems(report: AuditReport | undefined, failures: number): string[] {
  const problems: string[] = [];
  if (report && report.missing > 0) {
    problems.push(
      `${report.missing} events missing (committed, neither projected nor parked), oldest from ${report.oldestMissing?.toISOString()}`,
    );
  }
  if (report && report.unknown > 0) {
    problems.push(
      `${report.unknown} applied events are not in the outbox log (unknown): forged, or not published by Debezium; npm run rebuild recomputes the read models without them`,
    );
  }
  if (failures >= 3) problems.push(`reconciler audit failed ${failures} times in a row`);
  return problems;
}
