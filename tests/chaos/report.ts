import type { ChaosResult } from './chaos.ts';
import { FAULT_KINDS } from './faults.ts';
import { POISON_KINDS } from './poison.ts';

/** The invariants and the figures of a run, as plain tables. */
export function printReport(result: ChaosResult, log: (line: string) => void): void {
  log('\ninvariant                                      result  detail');
  for (const c of result.invariants) log(`${c.invariant.padEnd(47)}${(c.ok ? 'pass' : 'FAIL').padEnd(8)}${c.detail}`);
  log(`\nfault                        count  fault s (max)  recovery s (max)  worst events behind  worst lag s`);
  for (const kind of result.plan.kinds ?? FAULT_KINDS) {
    const of = result.faults.filter((f) => f.kind === kind);
    const max = (pick: (f: (typeof of)[number]) => number | null) => Math.max(0, ...of.map((f) => pick(f) ?? Number.NaN));
    log(
      `${kind.padEnd(29)}${String(of.length).padEnd(7)}${String(max((f) => f.faultSeconds)).padEnd(15)}${String(max((f) => f.recoverySeconds)).padEnd(18)}${String(max((f) => f.worstEventsBehind)).padEnd(21)}${max((f) => f.worstLagSeconds)}`,
    );
  }
  const w = result.workload;
  log(
    `\nevents written ${result.eventsWritten}; orders ${w.orders.ok} placed / ${w.orders.refused} refused / ${w.orders.failed} failed; cancels ${w.cancels.ok} / ${w.cancels.refused} / ${w.cancels.failed}; updates ${w.updates.ok} / ${w.updates.refused} / ${w.updates.failed}`,
  );
  const byKind = POISON_KINDS.map((kind) => `${kind} ${result.poison.filter((p) => p.kind === kind).length}`);
  log(`poison messages published: ${result.poison.length} (${byKind.join(', ')})`);
  log(
    `duplicates delivered and absorbed by the inbox: ${result.duplicatesAbsorbed}; drained in ${result.drainedSeconds ?? 'not drained'} s; missing at the end ${result.missingAtEnd ?? '?'}${result.healRequested ? ` (${result.healRequested} asked for on demand)` : ''}`,
  );
  log(
    `retention (a round every 5 s, no age): ${result.retention.rounds} rounds (${result.retention.failedRounds} failed under faults), ${result.retention.archivedPartitions} outbox partitions with ${result.retention.archivedEvents} events archived, inbox pruned through position ${result.retention.prunedThrough} (${result.retention.pruned} rows)`,
  );
  const n = result.notifier;
  log(
    `notifier: ${n.notified} orders' events to notify; receiver got ${n.requests} requests, ${n.answered2xx} answered 2xx; ${n.duplicates} repeated 2xx (bound ${n.duplicateBound}); caught up ${n.drainedSeconds ?? 'NOT'} s after the projector; missing ${n.missing ?? '?'}`,
  );
  if (result.aborted) log(`\nschedule ABORTED: ${result.aborted}`);
  log(`\n${result.passed ? 'PASSED' : 'FAILED'}`);
}
